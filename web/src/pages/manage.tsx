import { useState, type FormEvent } from "react";
import { Link, useParams } from "react-router";
import { del, get, post, put, query, requestId, seg } from "../api";
import { useStanding } from "../campaign";
import { ApiError } from "../errors";
import type {
  InviteMembersResponseJson, ListInvitationsResponseJson, ListMembersResponseJson, ListTagsResponseJson,
} from "../gen/coins/v1/campaign_service_pb";
import type { ListUsersResponseJson } from "../gen/coins/v1/auth_service_pb";
import type { ListIdeasResponseJson } from "../gen/coins/v1/idea_service_pb";
import type { IdeaJson, IdeaStatusJson } from "../gen/coins/v1/resources_pb";
import { ErrorMessage, Notice, Page, label, useAction, useLoad } from "../ui";
import { campaignStatus, ideaStatus } from "./campaigns";

export function ManagePage() {
  const { campaignId = "" } = useParams();
  const standing = useStanding(campaignId);
  if (standing.error) return <Page title="Manage"><ErrorMessage error={standing.error} /></Page>;
  if (!standing.campaign) return <p role="status">Loading…</p>;
  return (
    <Page title={`Manage ${standing.campaign.title}`}>
      <p><Link to={`/c/${campaignId}`}>Back to the campaign</Link> ·{" "}
        <Link to={`/c/${campaignId}/analytics`}>Analytics</Link></p>
      <Lifecycle campaignId={campaignId} status={standing.campaign.status ?? ""} reload={standing.reload} />
      <Ideas campaignId={campaignId} version={standing.campaign.status} />
      <Members campaignId={campaignId} admin={standing.admin} />
      <Tags campaignId={campaignId} />
    </Page>
  );
}

function Lifecycle({ campaignId, status, reload }: { campaignId: string; status: string; reload: () => Promise<void> }) {
  const action = useAction();
  const [done, setDone] = useState("");
  const step = { CAMPAIGN_STATUS_DRAFT: ["activate", "Activate"], CAMPAIGN_STATUS_ACTIVE: ["complete", "Complete"],
    CAMPAIGN_STATUS_COMPLETED: ["archive", "Archive"] }[status];
  return (
    <section className="card" aria-labelledby="lifecycle-title">
      <h2 id="lifecycle-title">Lifecycle</h2>
      <p>This campaign is <strong data-testid="campaign-status">{campaignStatus({ status: status as never })}
      </strong>.</p>
      {step && (
        <button type="button" disabled={action.pending} onClick={async () => {
          if (await action.run(() => post(`/campaigns/${seg(campaignId)}:${step[0]}`, { requestId: requestId() }))) {
            setDone(`${step[1]}d.`);
            await reload();
          }
        }}>{step[1]} the campaign</button>
      )}
      {done && <Notice>{done}</Notice>}
      <ErrorMessage error={action.error} />
    </section>
  );
}

const NEXT: Partial<Record<IdeaStatusJson, [IdeaStatusJson, string][]>> = {
  IDEA_STATUS_PENDING: [["IDEA_STATUS_APPROVED", "Approve"], ["IDEA_STATUS_REJECTED", "Reject"]],
  IDEA_STATUS_COMPETING: [["IDEA_STATUS_ACCEPTED", "Accept"], ["IDEA_STATUS_REJECTED", "Reject"]],
  IDEA_STATUS_ACCEPTED: [["IDEA_STATUS_IN_PROGRESS", "Start"]],
  IDEA_STATUS_IN_PROGRESS: [["IDEA_STATUS_COMPLETE", "Mark complete"]],
};

function Ideas({ campaignId, version }: { campaignId: string; version: unknown }) {
  const ideas = useLoad(() => get<ListIdeasResponseJson>(
    `/campaigns/${seg(campaignId)}/ideas${query({ orderBy: "IDEA_ORDER_MOST_COINS", pageSize: 100 })}`),
  [campaignId, version]);
  const all = ideas.data?.ideas ?? [];
  const pending = all.filter((i) => i.status === "IDEA_STATUS_PENDING");
  const decided = all.filter((i) => i.status !== "IDEA_STATUS_PENDING" && NEXT[i.status ?? "IDEA_STATUS_UNSPECIFIED"]);
  return (
    <>
      <section className="card" aria-labelledby="queue-title">
        <h2 id="queue-title">Moderation queue</h2>
        <ErrorMessage error={ideas.error} />
        {ideas.data && pending.length === 0 && <Notice>No idea waits for moderation.</Notice>}
        <ul className="plain">{pending.map((i) => <IdeaRow key={i.id} idea={i} reload={ideas.reload} />)}</ul>
      </section>
      <section className="card" aria-labelledby="decide-title">
        <h2 id="decide-title">Decisions and progress</h2>
        {ideas.data && decided.length === 0 && <Notice>No idea to decide or move on.</Notice>}
        <ul className="plain">{decided.map((i) => <IdeaRow key={i.id} idea={i} reload={ideas.reload} />)}</ul>
      </section>
    </>
  );
}

function IdeaRow({ idea, reload }: { idea: IdeaJson; reload: () => Promise<void> }) {
  const action = useAction();
  const [reason, setReason] = useState("");
  const [decisionId] = useState(requestId);  // one decision per idea row: a retried click is the same request
  const reasonId = `reason-${idea.id}`;
  const rejecting = NEXT[idea.status ?? "IDEA_STATUS_UNSPECIFIED"]?.some(([to]) => to === "IDEA_STATUS_REJECTED");
  async function move(status: IdeaStatusJson) {
    if (await action.run(() => put(`/ideas/${seg(idea.id ?? "")}/status`, { status, reason,
      requestId: `${decisionId}-${status}` }))) await reload();
  }
  return (
    <li className="decision" aria-label={idea.title}>
      <div>
        <Link to={`/i/${idea.id}`}>{idea.title}</Link>{" "}
        <span className="meta">{ideaStatus(idea.status)} · {idea.coinTotal ?? 0} coins · by {idea.submitterName}</span>
      </div>
      <div className="row">
        {rejecting && (
          <>
            <label htmlFor={reasonId}>Reason</label>
            <input id={reasonId} value={reason} onChange={(e) => setReason(e.target.value)} />
          </>
        )}
        {NEXT[idea.status ?? "IDEA_STATUS_UNSPECIFIED"]?.map(([to, verb]) => (
          <button key={to} type="button" disabled={action.pending} onClick={() => move(to)}
            aria-label={`${verb} “${idea.title}”`}>{verb}</button>
        ))}
      </div>
      <ErrorMessage error={action.error} />
    </li>
  );
}

function Members({ campaignId, admin }: { campaignId: string; admin: boolean }) {
  const base = `/campaigns/${seg(campaignId)}`;
  const members = useLoad(() => get<ListMembersResponseJson>(`${base}/members?pageSize=100`), [campaignId]);
  const invitations = useLoad(() => get<ListInvitationsResponseJson>(
    `${base}/invitations${query({ state: "INVITATION_STATE_PENDING", pageSize: 100 })}`), [campaignId]);
  const [emails, setEmails] = useState("");
  const [role, setRole] = useState("CAMPAIGN_ROLE_MEMBER");
  const [links, setLinks] = useState<{ email?: string; link?: string }[]>([]);
  const [sponsorEmail, setSponsorEmail] = useState("");
  const action = useAction();
  async function invite(event: FormEvent) {
    event.preventDefault();
    const list = emails.split(/[\s,;]+/).filter(Boolean);
    await action.run(async () => {
      const answer = await post<InviteMembersResponseJson>(`${base}/members`, { emails: list, role,
        requestId: requestId() });
      setLinks(answer.invitations ?? []);
      setEmails("");
      await invitations.reload();
    });
  }
  async function addSponsor(event: FormEvent) {
    event.preventDefault();
    await action.run(async () => {
      const found = await get<ListUsersResponseJson>(`/users${query({ filter: sponsorEmail, pageSize: 10 })}`);
      const user = found.users?.find((u) => u.email?.toLowerCase() === sponsorEmail.trim().toLowerCase());
      if (!user) throw new ApiError(404, { message: "no account uses that email address" });
      await post(`${base}/sponsors`, { userId: user.id });
      setSponsorEmail("");
    });
  }
  return (
    <section className="card" aria-labelledby="members-title">
      <h2 id="members-title">Members and invitations</h2>
      <ErrorMessage error={members.error} />
      <table>
        <caption className="sr-only">Members</caption>
        <thead><tr><th scope="col">Name</th><th scope="col">Email</th><th scope="col">Role</th>
          <th scope="col">State</th>{admin && <th scope="col">Change</th>}</tr></thead>
        <tbody>
          {members.data?.members?.map((m) => (
            <tr key={m.userId}>
              <td>{m.fullName}</td><td>{m.email}</td><td>{label(m.role, "CAMPAIGN_ROLE_")}</td>
              <td>{label(m.state, "MEMBERSHIP_STATE_")}</td>
              {admin && (
                <td>
                  <button type="button" className="link" onClick={() => action.run(async () => {
                    await put(`${base}/members/${seg(m.userId ?? "")}/role`, { role:
                      m.role === "CAMPAIGN_ROLE_MANAGER" ? "CAMPAIGN_ROLE_MEMBER" : "CAMPAIGN_ROLE_MANAGER" });
                    await members.reload();
                  })}>{m.role === "CAMPAIGN_ROLE_MANAGER" ? "Make member" : "Make manager"}
                    <span className="sr-only"> ({m.fullName})</span></button>
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
      <form onSubmit={invite}>
        <label htmlFor="emails">Invite by email (one or more addresses)</label>
        <textarea id="emails" rows={2} required value={emails} onChange={(e) => setEmails(e.target.value)} />
        <div className="row">
          <label htmlFor="invite-role">As</label>
          <select id="invite-role" value={role} onChange={(e) => setRole(e.target.value)}>
            <option value="CAMPAIGN_ROLE_MEMBER">Member</option>
            {admin && <option value="CAMPAIGN_ROLE_MANAGER">Manager</option>}
          </select>
          <button type="submit" disabled={action.pending}>Send invitations</button>
        </div>
      </form>
      {links.length > 0 && (
        <Notice>Invitations sent. Each link was mailed; you can also pass it on:
          {links.map((l) => <span key={l.email} className="invite-link"><br />{l.email}: {l.link}</span>)}</Notice>
      )}
      <ErrorMessage error={action.error} />
      <h3>Pending invitations</h3>
      {invitations.data?.invitations?.length === 0 && <p className="meta">None.</p>}
      <ul className="plain">
        {invitations.data?.invitations?.map((i) => (
          <li key={i.email}>{i.email} ({label(i.role, "CAMPAIGN_ROLE_")}){" "}
            <button type="button" className="link" onClick={() => action.run(async () => {
              await post(`${base}/invitations:revoke`, { email: i.email });
              await invitations.reload();
            })}>Revoke<span className="sr-only"> the invitation of {i.email}</span></button>
          </li>
        ))}
      </ul>
      {admin && (
        <form onSubmit={addSponsor} className="row">
          <label htmlFor="sponsor">Add a sponsor (email)</label>
          <input id="sponsor" type="email" required value={sponsorEmail} onChange={(e) => setSponsorEmail(e.target.value)} />
          <button type="submit" disabled={action.pending}>Add sponsor</button>
        </form>
      )}
    </section>
  );
}

function Tags({ campaignId }: { campaignId: string }) {
  const base = `/campaigns/${seg(campaignId)}/tags`;
  const tags = useLoad(() => get<ListTagsResponseJson>(`${base}?pageSize=100`), [campaignId]);
  const [name, setName] = useState("");
  const [color, setColor] = useState("#2f7d4f");
  const action = useAction();
  async function create(event: FormEvent) {
    event.preventDefault();
    if (await action.run(() => post(base, { tag: { name, color }, requestId: requestId() }))) {
      setName("");
      await tags.reload();
    }
  }
  return (
    <section className="card" aria-labelledby="tags-title">
      <h2 id="tags-title">Tags</h2>
      <ul className="plain">
        {tags.data?.tags?.map((t) => (
          <li key={t.id}><span className="tag" style={{ borderColor: t.color }}>{t.name}</span>{" "}
            <button type="button" className="link" onClick={() => action.run(async () => {
              await del(`${base}/${seg(t.id ?? "")}`);
              await tags.reload();
            })}>Delete<span className="sr-only"> the tag {t.name}</span></button>
          </li>
        ))}
      </ul>
      <form onSubmit={create} className="row">
        <label htmlFor="tag-name">New tag</label>
        <input id="tag-name" required value={name} onChange={(e) => setName(e.target.value)} />
        <label htmlFor="tag-color">Colour</label>
        <input id="tag-color" type="color" value={color} onChange={(e) => setColor(e.target.value)} />
        <button type="submit" disabled={action.pending}>Add tag</button>
      </form>
      <ErrorMessage error={action.error} />
    </section>
  );
}
