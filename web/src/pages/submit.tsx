import { useEffect, useState, type FormEvent } from "react";
import { Link, useNavigate, useParams, useSearchParams } from "react-router";
import { get, post, query, requestId, seg } from "../api";
import { useStanding } from "../campaign";
import { ApiError } from "../errors";
import type { ListTagsResponseJson } from "../gen/coins/v1/campaign_service_pb";
import type { FindSimilarIdeasResponseJson } from "../gen/coins/v1/idea_service_pb";
import type { IdeaJson } from "../gen/coins/v1/resources_pb";
import { ErrorMessage, Notice, Page, useAction, useLoad } from "../ui";
import { ideaStatus } from "./campaigns";

/** The submit form, also the permalink landing page `/c/{campaign_id}/submit?context_id=…&source=…`. */
export function SubmitPage() {
  const { campaignId = "" } = useParams();
  const [params] = useSearchParams();
  const contextId = params.get("context_id") ?? "";
  const source = params.get("source") ?? "";
  const standing = useStanding(campaignId);
  const join = useAction();
  const base = `/campaigns/${seg(campaignId)}`;
  if (standing.error) return <Page title="Submit an idea"><ErrorMessage error={standing.error} /></Page>;
  if (!standing.campaign) return <p role="status">Loading…</p>;
  const campaign = standing.campaign;
  return (
    <Page title={`Submit an idea to ${campaign.title}`}>
      {contextId && (
        <p className="context" data-testid="context">Your idea will be linked to <strong>{contextId}</strong>
          {source && <> from <strong>{source}</strong></>}.</p>
      )}
      {campaign.status !== "CAMPAIGN_STATUS_ACTIVE" ? (
        <Notice>This campaign is not taking ideas right now.</Notice>
      ) : !standing.member ? (
        campaign.type === "CAMPAIGN_TYPE_CLOSED" ? (
          <Notice>This campaign is by invitation only: ask its managers for an invitation.</Notice>
        ) : (
          <section className="card">
            <p>Join <Link to={`/c/${campaignId}`}>{campaign.title}</Link> to submit your idea.</p>
            <button type="button" disabled={join.pending} onClick={() => join.run(async () => {
              await post(`${base}:join`, { requestId: requestId() });
              await standing.reload();
            })}>Join and continue</button>
            <ErrorMessage error={join.error} />
          </section>
        )
      ) : (
        <IdeaForm campaignId={campaignId} contextId={contextId} source={source} />
      )}
    </Page>
  );
}

function IdeaForm({ campaignId, contextId, source }: { campaignId: string; contextId: string; source: string }) {
  const navigate = useNavigate();
  const base = `/campaigns/${seg(campaignId)}`;
  const [title, setTitle] = useState("");
  const [description, setDescription] = useState("");
  const [tagIds, setTagIds] = useState<string[]>([]);
  const [similar, setSimilar] = useState<FindSimilarIdeasResponseJson["similarIdeas"]>([]);
  const [duplicate, setDuplicate] = useState(false);
  const [submitId] = useState(requestId);
  const tags = useLoad(() => get<ListTagsResponseJson>(`${base}/tags?pageSize=100`), [campaignId]);
  const action = useAction();

  // Similar ideas while the member types: a short pause after the last keystroke, and only the newest answer counts.
  useEffect(() => {
    setDuplicate(false);
    if (title.trim().length < 3) {
      setSimilar([]);
      return;
    }
    let current = true;
    const timer = setTimeout(async () => {
      const found = await get<FindSimilarIdeasResponseJson>(`${base}/ideas/similar${query({ title, pageSize: 5 })}`)
        .catch(() => null);
      if (current && found) setSimilar(found.similarIdeas ?? []);
    }, 250);
    return () => { current = false; clearTimeout(timer); };
  }, [title, base]);

  async function submit(event: FormEvent, force = false) {
    event.preventDefault();
    let idea: IdeaJson = {};
    const ok = await action.run(async () => {
      try {
        idea = await post<IdeaJson>(`${base}/ideas`, { title, description, tagIds, contextId,
          permalinkSource: source, force, requestId: force ? requestId() : submitId });
      } catch (error) {
        if (error instanceof ApiError && error.reason === "IDEA_002") setDuplicate(true);
        throw error;
      }
    });
    if (ok) void navigate(`/i/${idea.id}`, { state: { submitted: true } });
  }
  return (
    <form onSubmit={submit} className="card">
      <label htmlFor="title">Title</label>
      <input id="title" required maxLength={200} value={title} autoComplete="off"
        aria-describedby="similar-title" onChange={(e) => setTitle(e.target.value)} />
      <section aria-labelledby="similar-title" className="similar">
        <h2 id="similar-title" className="small">Similar ideas already in this campaign</h2>
        <ul aria-live="polite" data-testid="similar">
          {similar?.map((s) => (
            <li key={s.idea?.id}>
              <Link to={`/i/${s.idea?.id}`} target="_blank">{s.idea?.title}</Link>{" "}
              <span className="meta">({ideaStatus(s.idea?.status)}, {Math.round(Number(s.score ?? 0) * 100)}% alike)</span>
            </li>
          ))}
          {similar?.length === 0 && <li className="meta">None so far.</li>}
        </ul>
      </section>
      <label htmlFor="description">Description</label>
      <textarea id="description" rows={5} value={description} onChange={(e) => setDescription(e.target.value)} />
      {(tags.data?.tags?.length ?? 0) > 0 && (
        <fieldset>
          <legend>Tags</legend>
          {tags.data?.tags?.map((t) => (
            <label key={t.id} className="check">
              <input type="checkbox" checked={tagIds.includes(t.id ?? "")} onChange={(e) => setTagIds(
                e.target.checked ? [...tagIds, t.id ?? ""] : tagIds.filter((id) => id !== t.id))} />
              {t.name}
            </label>
          ))}
        </fieldset>
      )}
      <ErrorMessage error={action.error} />
      <div className="row">
        <button type="submit" disabled={action.pending}>Submit the idea</button>
        {duplicate && (
          <button type="button" disabled={action.pending} onClick={(e) => submit(e, true)}>
            Submit it anyway
          </button>
        )}
      </div>
    </form>
  );
}
