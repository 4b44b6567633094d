import { useState, type FormEvent } from "react";
import { useNavigate } from "react-router";
import { del, get, post, query, requestId, seg } from "../api";
import type { ListUsersResponseJson } from "../gen/coins/v1/auth_service_pb";
import type { CampaignJson, UserJson } from "../gen/coins/v1/resources_pb";
import { ErrorMessage, Notice, Page, isAdmin, isSponsor, useAction, useLoad, useMe } from "../ui";

export function AdminPage() {
  const { user } = useMe();
  if (!isAdmin(user)) return <Page title="Admin"><Notice>Only administrators can use this page.</Notice></Page>;
  return (
    <Page title="Admin">
      <CreateCampaign />
      <Users />
    </Page>
  );
}

function CreateCampaign() {
  const navigate = useNavigate();
  const [form, setForm] = useState({ campaignId: "", title: "", description: "", type: "CAMPAIGN_TYPE_OPEN",
    initialAllocation: "100", ideaSubmissionReward: "0", maxPerIdea: "0", allowReallocation: true });
  const action = useAction();
  const set = (field: keyof typeof form) => (e: React.ChangeEvent<HTMLInputElement | HTMLSelectElement |
    HTMLTextAreaElement>) => setForm({ ...form, [field]: e.target.type === "checkbox"
    ? (e.target as HTMLInputElement).checked : e.target.value });
  async function submit(event: FormEvent) {
    event.preventDefault();
    let created: CampaignJson = {};
    const ok = await action.run(async () => {
      created = await post<CampaignJson>("/campaigns", { campaignId: form.campaignId, requestId: requestId(),
        campaign: { title: form.title, description: form.description, type: form.type, coinPolicy: {
          initialAllocation: form.initialAllocation, ideaSubmissionReward: form.ideaSubmissionReward,
          maxPerIdea: form.maxPerIdea, allowReallocation: form.allowReallocation } } });
    });
    if (ok) void navigate(`/c/${created.campaignId}/manage`);
  }
  return (
    <form onSubmit={submit} className="card" aria-labelledby="create-title">
      <h2 id="create-title">Create a campaign</h2>
      <label htmlFor="c-title">Title</label>
      <input id="c-title" required value={form.title} onChange={set("title")} />
      <label htmlFor="c-id">Address name</label>
      <input id="c-id" required pattern="[a-z0-9-]{3,100}" aria-describedby="c-id-help" value={form.campaignId}
        onChange={set("campaignId")} />
      <small id="c-id-help">3 to 100 lowercase letters, digits and dashes: the campaign's page is /c/name.</small>
      <label htmlFor="c-description">Description</label>
      <textarea id="c-description" rows={3} value={form.description} onChange={set("description")} />
      <label htmlFor="c-type">Who may join</label>
      <select id="c-type" value={form.type} onChange={set("type")}>
        <option value="CAMPAIGN_TYPE_OPEN">Open: anyone; ideas compete at once</option>
        <option value="CAMPAIGN_TYPE_MEDIATED">Mediated: anyone; managers approve ideas</option>
        <option value="CAMPAIGN_TYPE_CLOSED">Closed: by invitation; managers approve ideas</option>
      </select>
      <fieldset>
        <legend>Coin rules</legend>
        <label htmlFor="c-initial">Coins each member receives</label>
        <input id="c-initial" type="number" min={0} value={form.initialAllocation} onChange={set("initialAllocation")} />
        <label htmlFor="c-reward">Coins for each idea that competes</label>
        <input id="c-reward" type="number" min={0} value={form.ideaSubmissionReward}
          onChange={set("ideaSubmissionReward")} />
        <label htmlFor="c-max">Most coins one member may put on one idea (0: no limit)</label>
        <input id="c-max" type="number" min={0} value={form.maxPerIdea} onChange={set("maxPerIdea")} />
        <label className="check"><input type="checkbox" checked={form.allowReallocation}
          onChange={set("allowReallocation")} /> Members may move and withdraw coins</label>
      </fieldset>
      <ErrorMessage error={action.error} />
      <button type="submit" disabled={action.pending}>Create the campaign</button>
    </form>
  );
}

function Users() {
  const [filter, setFilter] = useState("");
  const [shown, setShown] = useState("");
  const users = useLoad(() => get<ListUsersResponseJson>(`/users${query({ filter: shown, pageSize: 50 })}`), [shown]);
  return (
    <section className="card" aria-labelledby="users-title">
      <h2 id="users-title">People</h2>
      <form role="search" className="row" onSubmit={(e) => { e.preventDefault(); setShown(filter); }}>
        <label htmlFor="user-filter">Find by name or email</label>
        <input id="user-filter" type="search" value={filter} onChange={(e) => setFilter(e.target.value)} />
        <button type="submit">Find</button>
      </form>
      <ErrorMessage error={users.error} />
      <table>
        <thead><tr><th scope="col">Name</th><th scope="col">Email</th><th scope="col">Roles</th>
          <th scope="col">Account</th><th scope="col">Actions</th></tr></thead>
        <tbody>{users.data?.users?.map((u) => <UserRow key={u.id} user={u} />)}</tbody>
      </table>
    </section>
  );
}

function UserRow({ user: initial }: { user: UserJson }) {
  const [user, setUser] = useState(initial);
  const { user: me } = useMe();
  const action = useAction();
  const path = `/users/${seg(user.id ?? "")}`;
  const change = (act: () => Promise<UserJson>) => action.run(async () => setUser(await act()));
  const roles = [isAdmin(user) && "Admin", isSponsor(user) && "Sponsor"].filter(Boolean).join(", ") || "—";
  return (
    <tr>
      <td>{user.fullName}</td><td>{user.email}</td><td>{roles}</td>
      <td>{user.active ? "Active" : "Deactivated"}</td>
      <td>
        {isSponsor(user) ? (
          <button type="button" className="link" onClick={() => change(() => del(`${path}/roles/SYSTEM_ROLE_SPONSOR`))}>
            Revoke sponsor<span className="sr-only"> ({user.email})</span></button>
        ) : (
          <button type="button" className="link" onClick={() => change(() => post(`${path}/roles`,
            { role: "SYSTEM_ROLE_SPONSOR" }))}>Make sponsor<span className="sr-only"> ({user.email})</span></button>
        )}
        {user.id !== me?.id && (user.active ? (
          <button type="button" className="link" onClick={() => change(() => post(`${path}:deactivate`))}>
            Deactivate<span className="sr-only"> ({user.email})</span></button>
        ) : (
          <button type="button" className="link" onClick={() => change(() => post(`${path}:reactivate`))}>
            Reactivate<span className="sr-only"> ({user.email})</span></button>
        ))}
        <ErrorMessage error={action.error} />
      </td>
    </tr>
  );
}
