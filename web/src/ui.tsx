import { createContext, useCallback, useContext, useEffect, useRef, useState, type ReactNode } from "react";
import { Link, useLocation, useNavigate } from "react-router";
import { get, keepSession, post, session } from "./api";
import { ApiError } from "./errors";
import type { UserJson } from "./gen/coins/v1/resources_pb";

// ---- who is signed in -------------------------------------------------------------------------------------------

type Me = { user: UserJson | null; loading: boolean; reload: () => Promise<void>; signOut: () => Promise<void> };
const MeContext = createContext<Me>({ user: null, loading: true, reload: async () => {}, signOut: async () => {} });

export function MeProvider({ children }: { children: ReactNode }) {
  const [user, setUser] = useState<UserJson | null>(null);
  const [loading, setLoading] = useState(true);
  const reload = useCallback(async () => {
    if (!session()) {
      setUser(null);
    } else {
      setUser(await get<UserJson>("/auth/me").catch(() => null));
    }
    setLoading(false);
  }, []);
  const signOut = useCallback(async () => {
    const current = session();
    if (current) await post("/auth/logout", { refreshToken: current.refreshToken }).catch(() => undefined);
    keepSession(null);
    setUser(null);
  }, []);
  useEffect(() => { void reload(); }, [reload]);
  return <MeContext.Provider value={{ user, loading, reload, signOut }}>{children}</MeContext.Provider>;
}

export const useMe = () => useContext(MeContext);
export const isAdmin = (user: UserJson | null) => !!user?.roles?.includes("SYSTEM_ROLE_ADMIN");
export const isSponsor = (user: UserJson | null) => !!user?.roles?.includes("SYSTEM_ROLE_SPONSOR");

/** Pages for signed-in people: others go to sign in and come back. */
export function SignedIn({ children }: { children: ReactNode }) {
  const { user, loading } = useMe();
  const location = useLocation();
  const navigate = useNavigate();
  useEffect(() => {
    if (!loading && !user) {
      void navigate(`/signin?next=${encodeURIComponent(location.pathname + location.search)}`, { replace: true });
    }
  }, [loading, user, location, navigate]);
  return user ? <>{children}</> : <p role="status">Loading…</p>;
}

// ---- layout ------------------------------------------------------------------------------------------------------

export function Layout({ children }: { children: ReactNode }) {
  const { user, signOut } = useMe();
  const navigate = useNavigate();
  return (
    <>
      <a className="skip" href="#main">Skip to content</a>
      <header className="top">
        <Link to="/" className="brand">Coins for Change</Link>
        <nav aria-label="Main">
          {user && <Link to="/">Campaigns</Link>}
          {user && <Link to="/search">Search</Link>}
          {user && <Link to="/inbox">Notifications<UnreadBadge /></Link>}
          {isAdmin(user) && <Link to="/admin">Admin</Link>}
          {user ? (
            <button type="button" className="link" onClick={async () => { await signOut(); void navigate("/signin"); }}>
              Sign out ({user.fullName || user.email})
            </button>
          ) : (
            <>
              <Link to="/signin">Sign in</Link>
              <Link to="/signup">Sign up</Link>
            </>
          )}
        </nav>
      </header>
      <main id="main" tabIndex={-1}>{children}</main>
    </>
  );
}

function UnreadBadge() {
  const unread = useContext(UnreadContext);
  return unread > 0 ? <span className="badge" aria-label={`${unread} unread`}>{unread}</span> : null;
}

export const UnreadContext = createContext(0);

/** The page's heading takes the focus on navigation, so screen readers announce the new page. */
export function Page({ title, children }: { title: string; children: ReactNode }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} · Coins for Change`;
    heading.current?.focus();
  }, [title]);
  return (
    <>
      <h1 ref={heading} tabIndex={-1}>{title}</h1>
      {children}
    </>
  );
}

// ---- errors and loading ------------------------------------------------------------------------------------------

export function sentenceOf(error: unknown): string {
  return error instanceof ApiError ? error.sentence : "Something went wrong; please try again.";
}

export function ErrorMessage({ error }: { error: unknown }) {
  if (!error) return null;
  return <p className="error" role="alert">{sentenceOf(error)}</p>;
}

export function Notice({ children }: { children: ReactNode }) {
  return <p className="notice" role="status">{children}</p>;
}

/** Loads on mount and when `deps` change; `reload` loads again. Errors are kept for the page to show. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]) {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const run = useCallback(async () => {
    setLoading(true);
    try {
      setData(await load());
      setError(null);
    } catch (caught) {
      setError(caught);
    } finally {
      setLoading(false);
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  useEffect(() => { void run(); }, [run]);
  return { data, error, loading, reload: run, setData };
}

/** A button's action with its own pending state and error sentence. */
export function useAction() {
  const [error, setError] = useState<unknown>(null);
  const [pending, setPending] = useState(false);
  const run = useCallback(async (action: () => Promise<unknown>) => {
    setPending(true);
    setError(null);
    try {
      await action();
      return true;
    } catch (caught) {
      setError(caught);
      return false;
    } finally {
      setPending(false);
    }
  }, []);
  return { error, pending, run, setError };
}

// ---- labels ------------------------------------------------------------------------------------------------------

/** "IDEA_STATUS_IN_PROGRESS" → "In progress". */
export function label(value: string | undefined, prefix: string): string {
  const words = (value ?? "").replace(prefix, "").toLowerCase().replaceAll("_", " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export function when(time: string | undefined): string {
  return time ? new Date(time).toLocaleString() : "";
}
