import { useMemo } from "react";
import { Link, useParams } from "react-router";
import { call, get, seg } from "../api";
import { useStanding } from "../campaign";
import { ChartView, PALETTE } from "../chart";
import type { CampaignAnalyticsJson } from "../gen/coins/v1/analytics_service_pb";
import type { CampaignResultJson } from "../gen/coins/v1/idea_service_pb";
import { ErrorMessage, Page, label, sentenceOf, useAction, useLoad, when } from "../ui";
import { ideaStatus } from "./campaigns";

function save(name: string, blob: Blob) {
  const url = URL.createObjectURL(blob);
  const link = Object.assign(document.createElement("a"), { href: url, download: name });
  link.click();
  URL.revokeObjectURL(url);
}

/** A report the platform cannot give yet reads as a sentence, never as a blank page. */
function Unavailable({ what, error }: { what: string; error: unknown }) {
  return (
    <section className="card" role="alert">
      <h2>{what} cannot be shown</h2>
      <p>{sentenceOf(error)}</p>
    </section>
  );
}

export function AnalyticsPage() {
  const { campaignId = "" } = useParams();
  const standing = useStanding(campaignId);
  const report = useLoad(() => get<CampaignAnalyticsJson>(`/campaigns/${seg(campaignId)}/analytics`), [campaignId]);
  const exporting = useAction();
  const data = report.data;
  const charts = useMemo(() => data && {
    funnel: { type: "bar" as const, data: { labels: (data.funnel ?? []).map((s) => label(s.status, "IDEA_STATUS_")),
      datasets: [{ label: "Ideas", data: (data.funnel ?? []).map((s) => Number(s.ideas ?? 0)),
        backgroundColor: PALETTE[0] }] } },
    coins: { type: "doughnut" as const, data: {
      labels: ["Available", "Allocated", "Expended", "Expired", "Burned"],
      datasets: [{ data: ["available", "allocated", "expended", "expired", "burned"].map(
        (k) => Number(data.coins?.[k as keyof typeof data.coins] ?? 0)), backgroundColor: PALETTE }] } },
    overTime: { type: "line" as const, data: {
      labels: (data.allocationsOverTime ?? []).map((p) => new Date(p.periodStart ?? "").toLocaleDateString()),
      datasets: [{ label: "Coins allocated", data: (data.allocationsOverTime ?? []).map((p) => Number(p.allocated ?? 0)),
        borderColor: PALETTE[2], backgroundColor: PALETTE[2] }] } },
    byTag: { type: "bar" as const, data: { labels: (data.byTag ?? []).map((t) => t.label ?? ""),
      datasets: [{ label: "Coins", data: (data.byTag ?? []).map((t) => Number(t.coins ?? 0)),
        backgroundColor: PALETTE[1] }] } },
  }, [data]);
  async function download(table: string) {
    await exporting.run(async () => {
      const reply = await call("GET", `/campaigns/${seg(campaignId)}/analytics:export?table=EXPORT_TABLE_${table}`);
      save(`${campaignId}-${table.toLowerCase()}.csv`, await reply.blob());
    });
  }
  return (
    <Page title={`Analytics: ${standing.campaign?.title ?? campaignId}`}>
      <p><Link to={`/c/${campaignId}`}>Back to the campaign</Link> · <Link to={`/c/${campaignId}/result`}>Result</Link></p>
      <div className="row">
        {[["IDEAS", "ideas"], ["LEDGER", "coin ledger"], ["RESULT", "result"]].map(([table, name]) => (
          <button key={table} type="button" onClick={() => download(table)} disabled={exporting.pending}>
            Download the {name} (CSV)</button>
        ))}
      </div>
      <ErrorMessage error={exporting.error} />
      {report.error ? <Unavailable what="The analytics" error={report.error} /> : !data || !charts ? (
        <p role="status">Loading…</p>
      ) : (
        <>
          <p className="meta">Figures as of {when(data.asOfTime)}.</p>
          <dl className="figures">
            <div><dt>Members</dt><dd>{data.participation?.members ?? 0}</dd></div>
            <div><dt>Invited</dt><dd>{data.participation?.invited ?? 0}</dd></div>
            <div><dt>Active submitters</dt><dd>{data.participation?.activeSubmitters ?? 0}</dd></div>
            <div><dt>Active backers</dt><dd>{data.participation?.activeBackers ?? 0}</dd></div>
            <div><dt>Coins granted</dt><dd>{data.coins?.granted ?? 0}</dd></div>
          </dl>
          <div className="grid">
            <section className="card"><h2>Ideas by status</h2>
              <ChartView config={charts.funnel} label="Ideas by status, bar chart" /></section>
            <section className="card"><h2>Coins</h2>
              <ChartView config={charts.coins} label="Where the campaign's coins are, doughnut chart" /></section>
            <section className="card"><h2>Allocations over time</h2>
              <ChartView config={charts.overTime} label="Coins allocated per period, line chart" /></section>
            <section className="card"><h2>Coins by tag</h2>
              <ChartView config={charts.byTag} label="Coins by tag, bar chart" /></section>
          </div>
          <section className="card"><h2>Top ideas</h2>
            <table>
              <thead><tr><th scope="col">Idea</th><th scope="col">Coins</th><th scope="col">Backers</th></tr></thead>
              <tbody>{data.topIdeas?.map((i) => (
                <tr key={i.ideaId}><td><Link to={`/i/${i.ideaId}`}>{i.title}</Link></td><td>{i.coins ?? 0}</td>
                  <td>{i.backers ?? 0}</td></tr>))}</tbody>
            </table>
          </section>
          <section className="card"><h2>By context</h2>
            <table>
              <thead><tr><th scope="col">Context</th><th scope="col">Ideas</th><th scope="col">Coins</th></tr></thead>
              <tbody>{data.byContext?.map((c) => (
                <tr key={c.label}><td>{c.label || "(none)"}</td><td>{c.count ?? 0}</td><td>{c.coins ?? 0}</td></tr>))}
              </tbody>
            </table>
          </section>
        </>
      )}
    </Page>
  );
}

function csvCell(value: string): string {
  return /[",\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

export function ResultPage() {
  const { campaignId = "" } = useParams();
  const standing = useStanding(campaignId);
  const result = useLoad(() => get<CampaignResultJson>(`/campaigns/${seg(campaignId)}/result`), [campaignId]);
  const ideas = result.data?.ideas ?? [];
  const chart = useMemo(() => ({ type: "bar" as const, options: { indexAxis: "y" as const },
    data: { labels: ideas.map((i) => i.title ?? ""), datasets: [{ label: "Coins",
      data: ideas.map((i) => Number(i.coins ?? 0)), backgroundColor: PALETTE[0] }] } }), [ideas]);
  function download() {
    const rows = [["rank", "idea_id", "title", "coins", "backers", "status"],
      ...ideas.map((i) => [i.rank ?? "", i.ideaId ?? "", i.title ?? "", i.coins ?? "0", i.backers ?? "0",
        ideaStatus(i.status)])];
    save(`${campaignId}-result.csv`, new Blob([rows.map((r) => r.map(String).map(csvCell).join(",")).join("\n")],
      { type: "text/csv" }));
  }
  return (
    <Page title={`Result: ${standing.campaign?.title ?? campaignId}`}>
      <p><Link to={`/c/${campaignId}`}>Back to the campaign</Link></p>
      {result.error ? <Unavailable what="The result" error={result.error} /> : !result.data ? (
        <p role="status">Loading…</p>
      ) : (
        <>
          <p data-testid="result-state">{result.data.final
            ? `Final result, frozen at completion (${when(result.data.completeTime)}).`
            : "The vote is still open: these figures may change."}</p>
          <button type="button" onClick={download}>Download the result (CSV)</button>
          {ideas.length > 0 && <section className="card"><h2>Coins per idea</h2>
            <ChartView config={chart} label="Coins per idea, bar chart" /></section>}
          <table>
            <caption>Ranking</caption>
            <thead><tr><th scope="col">Rank</th><th scope="col">Idea</th><th scope="col">Coins</th>
              <th scope="col">Backers</th><th scope="col">Decision</th></tr></thead>
            <tbody>{ideas.map((i) => (
              <tr key={i.ideaId}><td>{i.rank}</td><td><Link to={`/i/${i.ideaId}`}>{i.title}</Link></td>
                <td>{i.coins ?? 0}</td><td>{i.backers ?? 0}</td><td>{ideaStatus(i.status)}</td></tr>))}</tbody>
          </table>
        </>
      )}
    </Page>
  );
}
