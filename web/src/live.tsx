import { createContext, useContext, useEffect, useState, type ReactNode } from "react";
import { call, query } from "./api";
import type { StreamNotificationsResponseJson } from "./gen/coins/v1/notification_service_pb";
import type { NotificationJson } from "./gen/coins/v1/resources_pb";
import { UnreadContext, useMe } from "./ui";

type Live = { arrived: NotificationJson[]; setUnread: (n: number) => void };
const LiveContext = createContext<Live>({ arrived: [], setUnread: () => {} });
export const useLive = () => useContext(LiveContext);

/** One live stream per signed-in tab (`GET /notifications:stream`, one JSON object per line): new notifications
 * and the unread count from each heartbeat. It reconnects after a drop, resuming after the last notification seen. */
export function LiveNotifications({ children }: { children: ReactNode }) {
  const { user } = useMe();
  const [arrived, setArrived] = useState<NotificationJson[]>([]);
  const [unread, setUnread] = useState(0);
  useEffect(() => {
    if (!user) return;
    const stop = new AbortController();
    let last = "";
    let delay = 500;
    void (async () => {
      while (!stop.signal.aborted) {
        try {
          const reply = await call("GET", `/notifications:stream${query({ lastNotificationId: last })}`);
          const reader = reply.body!.pipeThrough(new TextDecoderStream()).getReader();
          stop.signal.addEventListener("abort", () => void reader.cancel());
          let buffer = "";
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            delay = 500;
            buffer += value;
            const lines = buffer.split("\n");
            buffer = lines.pop() ?? "";
            for (const line of lines.filter((l) => l.trim())) {
              const message = JSON.parse(line) as StreamNotificationsResponseJson;
              if (message.notification) {
                const notification = message.notification;
                last = notification.id ?? last;
                setArrived((list) => list.some((n) => n.id === notification.id) ? list : [notification, ...list]);
                if (!notification.read) setUnread((n) => n + 1);
              } else if (message.heartbeat) {
                setUnread(Number(message.heartbeat.unreadCount ?? 0));
              }
            }
          }
        } catch {
          // The stream broke (network, expired token refused after refresh): try again, more slowly each time.
        }
        await new Promise((done) => setTimeout(done, delay));
        delay = Math.min(delay * 2, 15000);
      }
    })();
    return () => stop.abort();
  }, [user]);
  return (
    <LiveContext.Provider value={{ arrived, setUnread }}>
      <UnreadContext.Provider value={unread}>{children}</UnreadContext.Provider>
    </LiveContext.Provider>
  );
}
