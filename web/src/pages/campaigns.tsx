import { useState } from "react";
import { Link, useParams } from "react-router";
import { get, post, query, requestId, seg } from "../api";
import { useStanding } from "../campaign";
import { CoinActions, Wallet } from "../coins";
import type { ListCampaignsResponseJson, ListTagsResponseJson } from "../gen/coins/v1/campaign_service_pb";
import type { ListAllocationsResponseJson } from "../gen/coins/v1/coin_service_pb";
import type { ListIdeasResponseJson } from "../gen/coins/v1/idea_service_pb";
import type { CampaignJson, IdeaJson, IdeaStatusJson, TagJson } from "../gen/coins/v1/resources_pb";
import { ErrorMessage, Notice, Page, label, useAction, useLoad, when } from "../ui";

export const campaignStatus = (c: CampaignJson) => label(c.status, "CAMPAIGN_STATUS_");
export const ideaStatus = (status: IdeaStatusJson | undefined) => label(status, "IDEA_STATUS_");

export function CampaignsPage() {
  const [status, setStatus] = useState("");
  const { data, error, loading } = useLoad(
    () => get<ListCampaignsResponseJson>(`/campaigns${query({ status, pageSize: 100 })}`), [status]);
  return (
    <Page title="Campaigns">
      <div className="row">
        <label htmlFor="status">Show</label>
        <select id="status" value={status} onChange={(e) => setStatus(e.target.value)}>
          <option value="">All campaigns</option>
          {["ACTIVE", "DRAFT", "COMPLETED", "ARCHIVED"].map((s) => (
            <option key={s} value={`CAMPAIGN_STATUS_${s}`}>{label(s, "")}</option>
          ))}
        </select>
      </div>
      <ErrorMessage error={error} />
      {!loading && !error && data?.campaigns?.length === 0 && <Notice>No campaign to show yet.</Notice>}
      <ul className="cards">
        {data?.campaigns?.map((c) => (
          <li key={c.campaignId} className="card">
            <h2><Link to={`/c/${c.campaignId}`}>{c.title}</Link></h2>
            <p className="meta">{campaignStatus(c)} · {label(c.type, "CAMPAIGN_TYPE_")}</p>
            {c.description && <p>{c.description}</p>}
          </li>
        ))}
      </ul>
    </Page>
  );
}

export function CampaignPage() {
  const { campaignId = "" } = useParams();
  const standing = useStanding(campaignId);
  const { campaign } = standing;
  const [order, setOrder] = useState("IDEA_ORDER_MOST_COINS");
  const [status, setStatus] = useState("");
  const [tag, setTag] = useState("");
  const base = `/campaigns/${seg(campaignId)}`;
  const tags = useLoad(() => get<ListTagsResponseJson>(`${base}/tags?pageSize=100`), [campaignId]);
  const ideas = useLoad(() => get<ListIdeasResponseJson>(
    `${base}/ideas${query({ orderBy: order, status, tagId: tag, pageSize: 100 })}`), [campaignId, order, status, tag]);
  const join = useAction();
  if (standing.error) return <Page title="Campaign"><ErrorMessage error={standing.error} /></Page>;
  if (!campaign) return <p role="status">Loading…</p>;
  const active = campaign.status === "CAMPAIGN_STATUS_ACTIVE";
  const joinable = !standing.member && campaign.type !== "CAMPAIGN_TYPE_CLOSED" && !standing.sponsor;
  const tagName = new Map((tags.data?.tags ?? []).map((t) => [t.id, t]));
  return (
    <Page title={campaign.title ?? campaignId}>
      <p className="meta">{campaignStatus(campaign)} · {label(campaign.type, "CAMPAIGN_TYPE_")}
        {campaign.endTime && ` · ends ${when(campaign.endTime)}`}</p>
      {campaign.description && <p>{campaign.description}</p>}
      <nav aria-label="Campaign" className="row">
        {standing.member && active && <Link className="button" to={`/c/${campaignId}/submit`}>Submit an idea</Link>}
        {standing.manager && <Link to={`/c/${campaignId}/manage`}>Manage</Link>}
        {(standing.manager || standing.sponsor) && <Link to={`/c/${campaignId}/analytics`}>Analytics</Link>}
        <Link to={`/c/${campaignId}/result`}>Result</Link>
      </nav>
      {standing.sponsor && <Notice>You sponsor this campaign: you can read everything, and neither moderate nor
        allocate.</Notice>}
      {joinable && (
        <section className="card">
          <p>You are not a member of this campaign yet.</p>
          <button type="button" disabled={join.pending} onClick={() => join.run(async () => {
            await post(`${base}:join`, { requestId: requestId() });
            await standing.reload();
          })}>Join this campaign</button>
          <ErrorMessage error={join.error} />
        </section>
      )}
      {standing.balance && <Wallet balance={standing.balance} />}
      {standing.balance && <MyAllocations campaignId={campaignId} ideas={ideas.data?.ideas ?? []}
        version={standing.balance} />}
      <section aria-labelledby="ideas-title">
        <h2 id="ideas-title">Ideas</h2>
        <div className="row filters">
          <label htmlFor="order">Sort by</label>
          <select id="order" value={order} onChange={(e) => setOrder(e.target.value)}>
            <option value="IDEA_ORDER_MOST_COINS">Most coins</option>
            <option value="IDEA_ORDER_NEWEST">Most recent</option>
          </select>
          <label htmlFor="filter-status">Status</label>
          <select id="filter-status" value={status} onChange={(e) => setStatus(e.target.value)}>
            <option value="">Any status</option>
            {["PENDING", "COMPETING", "ACCEPTED", "IN_PROGRESS", "COMPLETE", "REJECTED"].map((s) => (
              <option key={s} value={`IDEA_STATUS_${s}`}>{label(s, "")}</option>
            ))}
          </select>
          <label htmlFor="filter-tag">Tag</label>
          <select id="filter-tag" value={tag} onChange={(e) => setTag(e.target.value)}>
            <option value="">Any tag</option>
            {tags.data?.tags?.map((t) => <option key={t.id} value={t.id}>{t.name}</option>)}
          </select>
        </div>
        <ErrorMessage error={ideas.error} />
        {ideas.data?.ideas?.length === 0 && <Notice>No idea matches yet.</Notice>}
        <IdeaList ideas={ideas.data?.ideas ?? []} tags={tagName} />
      </section>
    </Page>
  );
}

export function IdeaList({ ideas, tags }: { ideas: IdeaJson[]; tags: Map<string | undefined, TagJson> }) {
  return (
    <ol className="ideas" aria-label="Ideas">
      {ideas.map((idea) => (
        <li key={idea.id} className="card idea">
          <span className="coins" aria-label={`${idea.coinTotal ?? 0} coins`}>{idea.coinTotal ?? "0"}</span>
          <div>
            <h3><Link to={`/i/${idea.id}`}>{idea.title}</Link></h3>
            <p className="meta">{ideaStatus(idea.status)} · by {idea.submitterName || "a member"}
              {idea.submitTime && ` · ${when(idea.submitTime)}`}</p>
            {(idea.tagIds ?? []).map((id) => tags.get(id)).filter(Boolean).map((t) => (
              <span key={t!.id} className="tag" style={{ borderColor: t!.color }}>{t!.name}</span>
            ))}
          </div>
        </li>
      ))}
    </ol>
  );
}

function MyAllocations({ campaignId, ideas, version }: { campaignId: string; ideas: IdeaJson[]; version: unknown }) {
  const { data } = useLoad(
    () => get<ListAllocationsResponseJson>(`/campaigns/${seg(campaignId)}/coins/allocations?pageSize=100`),
    [campaignId, version]);
  const titles = new Map(ideas.map((i) => [i.id, i.title]));
  const live = (data?.allocations ?? []).filter((a) => a.amount !== "0");
  if (live.length === 0) return null;
  return (
    <section className="card" aria-labelledby="alloc-title">
      <h2 id="alloc-title">Where your coins are</h2>
      <ul>
        {live.map((a) => (
          <li key={a.ideaId}>
            <Link to={`/i/${a.ideaId}`}>{titles.get(a.ideaId) ?? "an idea"}</Link>: {a.amount} coins
            {a.expended && " (spent: the idea was accepted)"}
          </li>
        ))}
      </ul>
    </section>
  );
}

export function IdeaPage() {
  const { ideaId = "" } = useParams();
  const idea = useLoad(() => get<IdeaJson>(`/ideas/${seg(ideaId)}`), [ideaId]);
  const campaignId = idea.data?.campaignId ?? "";
  return (
    <Page title={idea.data?.title ?? "Idea"}>
      <ErrorMessage error={idea.error} />
      {idea.data && <IdeaBody idea={idea.data} campaignId={campaignId} reload={idea.reload} />}
    </Page>
  );
}

function IdeaBody({ idea, campaignId, reload }: { idea: IdeaJson; campaignId: string; reload: () => Promise<void> }) {
  const standing = useStanding(campaignId);
  const base = `/campaigns/${seg(campaignId)}`;
  const others = useLoad(() => get<ListIdeasResponseJson>(
    `${base}/ideas${query({ status: "IDEA_STATUS_COMPETING", orderBy: "IDEA_ORDER_MOST_COINS", pageSize: 100 })}`),
  [campaignId]);
  const mine = useLoad(() => standing.member
    ? get<ListAllocationsResponseJson>(`${base}/coins/allocations?pageSize=100`)
    : Promise.resolve({ allocations: [] } as ListAllocationsResponseJson), [campaignId, standing.member,
    standing.balance]);
  const onMine = Number(mine.data?.allocations?.find((a) => a.ideaId === idea.id)?.amount ?? 0);
  const canBack = standing.member && idea.status === "IDEA_STATUS_COMPETING"
    && standing.campaign?.status === "CAMPAIGN_STATUS_ACTIVE";
  return (
    <>
      <p className="meta">{ideaStatus(idea.status)} · by {idea.submitterName || "a member"} · in{" "}
        <Link to={`/c/${campaignId}`}>{standing.campaign?.title ?? campaignId}</Link></p>
      <p className="total" data-testid="idea-total" aria-live="polite">{idea.coinTotal ?? "0"} coins</p>
      {idea.description && <p>{idea.description}</p>}
      {idea.contextId && <p className="meta">Submitted from {idea.permalinkSource || "a link"}, context
        “{idea.contextId}”.</p>}
      {standing.balance && <Wallet balance={standing.balance} />}
      {canBack && (
        <CoinActions idea={idea} others={others.data?.ideas ?? []} mine={onMine}
          allowMoves={standing.campaign?.coinPolicy?.allowReallocation !== false}
          onBalance={(balance) => { standing.setBalance(balance); void reload(); }} />
      )}
    </>
  );
}
