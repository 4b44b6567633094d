import { useState, type FormEvent, type ReactNode } from "react";
import { Link, useSearchParams } from "react-router";
import { get, query } from "../api";
import type { SearchIdeasResponseJson } from "../gen/coins/v1/search_service_pb";
import { ErrorMessage, Notice, Page, useLoad } from "../ui";
import { ideaStatus } from "./campaigns";

/** A highlight's words between <mark> and </mark>, as React nodes: the text is never parsed as HTML. */
function highlighted(text: string): ReactNode[] {
  return text.split(/<mark>(.*?)<\/mark>/gs).map((part, i) => (i % 2 ? <mark key={i}>{part}</mark> : part));
}

export function SearchPage() {
  const [params, setParams] = useSearchParams();
  const q = params.get("q") ?? "";
  const [text, setText] = useState(q);
  const found = useLoad(() => q ? get<SearchIdeasResponseJson>(`/search/ideas${query({ query: q, pageSize: 20 })}`)
    : Promise.resolve(null), [q]);
  function submit(event: FormEvent) {
    event.preventDefault();
    setParams(text ? { q: text } : {});
  }
  return (
    <Page title="Search ideas">
      <form role="search" onSubmit={submit} className="row">
        <label htmlFor="q">Search for</label>
        <input id="q" type="search" value={text} onChange={(e) => setText(e.target.value)} />
        <button type="submit">Search</button>
      </form>
      <ErrorMessage error={found.error} />
      {found.data && <p role="status">{Number(found.data.totalSize ?? 0).toLocaleString("en")}
        {found.data.countsCapped ? "+" : ""} ideas found.</p>}
      {found.data?.hits?.length === 0 && <Notice>Nothing matches; try other words.</Notice>}
      <ol className="ideas">
        {found.data?.hits?.map((hit) => (
          <li key={hit.idea?.id} className="card">
            <h2 className="small"><Link to={`/i/${hit.idea?.id}`}>{highlighted(hit.titleHighlight || hit.idea?.title
              || "")}</Link></h2>
            <p className="meta">{ideaStatus(hit.idea?.status)} · {hit.idea?.coinTotal ?? 0} coins</p>
            {hit.descriptionHighlight && <p>{highlighted(hit.descriptionHighlight)}</p>}
          </li>
        ))}
      </ol>
    </Page>
  );
}
