import { ApiError, networkError } from "./errors";
import type { TokenPairJson } from "./gen/coins/v1/auth_service_pb";

// The REST/JSON API through the gateway, same origin. Message shapes are the generated `…Json` types.
const STORE = "coins.session";

type Session = { accessToken: string; refreshToken: string };

export function session(): Session | null {
  const raw = localStorage.getItem(STORE);
  return raw ? (JSON.parse(raw) as Session) : null;
}

export function keepSession(tokens: TokenPairJson | null): void {
  if (tokens?.accessToken && tokens.refreshToken) {
    localStorage.setItem(STORE, JSON.stringify({ accessToken: tokens.accessToken, refreshToken: tokens.refreshToken }));
  } else {
    localStorage.removeItem(STORE);
  }
}

export function requestId(): string {
  return crypto.randomUUID();
}

let refreshing: Promise<boolean> | null = null;

/** Refresh tokens are single use: concurrent 401s share one refresh. */
function refresh(): Promise<boolean> {
  refreshing ??= (async () => {
    const current = session();
    if (!current) return false;
    const reply = await fetch("/auth/refresh", { method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ refreshToken: current.refreshToken }) }).catch(() => null);
    if (!reply?.ok) {
      keepSession(null);
      return false;
    }
    keepSession((await reply.json()) as TokenPairJson);
    return true;
  })().finally(() => { refreshing = null; });
  return refreshing;
}

async function send(method: string, path: string, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = {};
  const current = session();
  if (current) headers.authorization = `Bearer ${current.accessToken}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  try {
    return await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw networkError();
  }
}

/** A response with its body read, or an ApiError; a 401 refreshes the access token once and retries. */
export async function call(method: string, path: string, body?: unknown): Promise<Response> {
  let reply = await send(method, path, body);
  if (reply.status === 401 && session() && (await refresh())) reply = await send(method, path, body);
  if (!reply.ok) {
    const parsed = await reply.json().catch(() => null);
    throw new ApiError(reply.status, parsed);
  }
  return reply;
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const reply = await call(method, path, body);
  const text = await reply.text();
  return (text ? JSON.parse(text) : {}) as T;
}

export const get = <T>(path: string) => api<T>("GET", path);
export const post = <T>(path: string, body: unknown = {}) => api<T>("POST", path, body);
export const put = <T>(path: string, body: unknown = {}) => api<T>("PUT", path, body);
export const patch = <T>(path: string, body: unknown = {}) => api<T>("PATCH", path, body);
export const del = <T>(path: string) => api<T>("DELETE", path);

/** A query string from the set values only. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const set = Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== "");
  return set.length ? `?${new URLSearchParams(set.map(([k, v]) => [k, String(v)]))}` : "";
}

export const seg = encodeURIComponent;
