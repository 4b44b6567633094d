import { Link } from "react-router";
import { get, post, seg } from "../api";
import type { ListNotificationsResponseJson } from "../gen/coins/v1/notification_service_pb";
import type { NotificationJson } from "../gen/coins/v1/resources_pb";
import { useLive } from "../live";
import { ErrorMessage, Notice, Page, useAction, useLoad, when } from "../ui";

export function InboxPage() {
  const listed = useLoad(() => get<ListNotificationsResponseJson>("/notifications?pageSize=50"), []);
  const { arrived, setUnread } = useLive();
  const action = useAction();
  const known = new Set((listed.data?.notifications ?? []).map((n) => n.id));
  const all: NotificationJson[] = [...arrived.filter((n) => !known.has(n.id)), ...(listed.data?.notifications ?? [])];
  async function markAll() {
    await action.run(async () => {
      await post("/notifications:markAllRead");
      setUnread(0);
      await listed.reload();
    });
  }
  async function markRead(id: string) {
    await action.run(async () => {
      const answer = await post<NotificationJson>(`/notifications/${seg(id)}:markRead`);
      listed.setData((data) => data && { ...data, notifications: data.notifications?.map(
        (n) => (n.id === id ? answer : n)) });
    });
  }
  return (
    <Page title="Notifications">
      <ErrorMessage error={listed.error ?? action.error} />
      <button type="button" onClick={markAll} disabled={action.pending}>Mark all as read</button>
      {listed.data && all.length === 0 && <Notice>Nothing yet: you will be told here as things happen.</Notice>}
      <ul className="notifications" aria-live="polite" data-testid="notifications">
        {all.map((n) => (
          <li key={n.id} className={`card ${n.read ? "" : "unread"}`}>
            <h2 className="small">{n.title}</h2>
            <p>{n.body}</p>
            <p className="meta">{n.campaignTitle && `${n.campaignTitle} · `}{when(n.createTime)}
              {n.ideaId && <> · <Link to={`/i/${n.ideaId}`}>See the idea</Link></>}</p>
            {!n.read && <button type="button" className="link" onClick={() => markRead(n.id ?? "")}>
              Mark as read</button>}
          </li>
        ))}
      </ul>
    </Page>
  );
}
