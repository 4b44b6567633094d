import { useEffect, useState, type FormEvent } from "react";
import { Link, useNavigate, useParams, useSearchParams } from "react-router";
import { keepSession, post, requestId } from "../api";
import type { TokenPairJson } from "../gen/coins/v1/auth_service_pb";
import type { CampaignMemberJson, UserJson } from "../gen/coins/v1/resources_pb";
import { ErrorMessage, Notice, Page, useAction, useMe } from "../ui";

/** Where to go after signing in: only a path of this site (never another origin). */
function nextPath(params: URLSearchParams): string {
  const next = params.get("next") ?? "/";
  return next.startsWith("/") && !next.startsWith("//") ? next : "/";
}

export function SignInPage() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const { reload } = useMe();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const action = useAction();
  async function submit(event: FormEvent) {
    event.preventDefault();
    const ok = await action.run(async () => {
      keepSession(await post<TokenPairJson>("/auth/login", { email, password }));
      await reload();
    });
    if (ok) void navigate(nextPath(params), { replace: true });
  }
  return (
    <Page title="Sign in">
      <form onSubmit={submit} className="card narrow">
        <label htmlFor="email">Email</label>
        <input id="email" type="email" autoComplete="username" required value={email}
          onChange={(e) => setEmail(e.target.value)} />
        <label htmlFor="password">Password</label>
        <input id="password" type="password" autoComplete="current-password" required value={password}
          onChange={(e) => setPassword(e.target.value)} />
        <ErrorMessage error={action.error} />
        <button type="submit" disabled={action.pending}>Sign in</button>
        <p>No account yet? <Link to={`/signup${params.toString() ? `?${params}` : ""}`}>Sign up</Link></p>
      </form>
    </Page>
  );
}

export function SignUpPage() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const { reload } = useMe();
  const [form, setForm] = useState({ fullName: "", email: "", password: "" });
  const action = useAction();
  const [registered, setRegistered] = useState(false);
  async function submit(event: FormEvent) {
    event.preventDefault();
    const ok = await action.run(async () => {
      await post<UserJson>("/auth/register", { ...form, requestId: requestId() });
      setRegistered(true);
      keepSession(await post<TokenPairJson>("/auth/login", { email: form.email, password: form.password }));
      await reload();
    });
    if (ok) void navigate(nextPath(params), { replace: true, state: { registered: true } });
  }
  const change = (field: keyof typeof form) => (e: React.ChangeEvent<HTMLInputElement>) =>
    setForm({ ...form, [field]: e.target.value });
  return (
    <Page title="Sign up">
      <form onSubmit={submit} className="card narrow">
        <label htmlFor="fullName">Full name</label>
        <input id="fullName" autoComplete="name" required value={form.fullName} onChange={change("fullName")} />
        <label htmlFor="email">Email</label>
        <input id="email" type="email" autoComplete="email" required value={form.email} onChange={change("email")} />
        <label htmlFor="password">Password</label>
        <input id="password" type="password" autoComplete="new-password" required minLength={10} maxLength={256}
          aria-describedby="password-help" value={form.password} onChange={change("password")} />
        <small id="password-help">10 to 256 characters.</small>
        {registered && <Notice>Account created. We mailed you a link to verify your email address.</Notice>}
        <ErrorMessage error={action.error} />
        <button type="submit" disabled={action.pending}>Create account</button>
      </form>
    </Page>
  );
}

export function VerifyEmailPage() {
  const [params] = useSearchParams();
  const { reload } = useMe();
  const action = useAction();
  const [done, setDone] = useState(false);
  const token = params.get("token") ?? "";
  useEffect(() => {
    void action.run(async () => {
      await post<UserJson>("/auth/verify-email", { token });
      setDone(true);
      await reload();
    });
  }, [token]); // eslint-disable-line react-hooks/exhaustive-deps
  return (
    <Page title="Verify your email">
      {done && <Notice>Thank you: your email address is verified.</Notice>}
      {action.pending && <p role="status">Checking your link…</p>}
      <ErrorMessage error={action.error} />
      <p><Link to="/">Go to the campaigns</Link></p>
    </Page>
  );
}

export function InvitationPage() {
  const { token = "" } = useParams();
  const navigate = useNavigate();
  const action = useAction();
  async function accept() {
    let member: CampaignMemberJson = {};
    const ok = await action.run(async () => {
      member = await post<CampaignMemberJson>("/invitations:accept", { invitationToken: token, requestId: requestId() });
    });
    if (ok) void navigate(`/c/${member.campaignId}`);
  }
  return (
    <Page title="Your invitation">
      <p>You were invited to take part in a campaign. Accept to join it with the role you were invited to.</p>
      <ErrorMessage error={action.error} />
      <button type="button" onClick={accept} disabled={action.pending}>Accept the invitation</button>
    </Page>
  );
}
