import { useCallback, useEffect, useState } from "react";
import { get, query, seg } from "./api";
import { ApiError } from "./errors";
import type { ListMembersResponseJson, ListSponsorsResponseJson } from "./gen/coins/v1/campaign_service_pb";
import type { CampaignJson, CoinBalanceJson } from "./gen/coins/v1/resources_pb";
import { isAdmin, isSponsor, useMe } from "./ui";

export type Standing = {
  campaign: CampaignJson | null;
  error: unknown;
  balance: CoinBalanceJson | null; // null: no wallet here (not a member)
  member: boolean;
  manager: boolean; // manages this campaign, or an admin
  sponsor: boolean;
  admin: boolean;
  reload: () => Promise<void>;
  setBalance: (balance: CoinBalanceJson) => void;
};

/** The campaign and what the signed-in user is to it, read from the public API: the wallet answers only for
 * members, the managers' and sponsors' lists name the others. */
const none: ListMembersResponseJson = { members: [] };

export function useStanding(campaignId: string): Standing {
  const { user } = useMe();
  const [state, setState] = useState<Omit<Standing, "reload" | "setBalance">>({
    campaign: null, error: null, balance: null, member: false, manager: false, sponsor: false, admin: false });
  const reload = useCallback(async () => {
    const base = `/campaigns/${seg(campaignId)}`;
    try {
      const campaign = await get<CampaignJson>(base);
      const [balance, members, managers, sponsors] = await Promise.all([
        get<CoinBalanceJson>(`${base}/coins/balance`).catch((e) => (e instanceof ApiError ? null : Promise.reject(e))),
        get<ListMembersResponseJson>(`${base}/members${query({ pageSize: 100 })}`).catch(() => none),
        get<ListMembersResponseJson>(`${base}/members${query({ role: "CAMPAIGN_ROLE_MANAGER", pageSize: 100 })}`)
          .catch(() => none),
        isSponsor(user)
          ? get<ListSponsorsResponseJson>(`${base}/sponsors${query({ pageSize: 100 })}`)
            .catch(() => ({ sponsors: [] }) as ListSponsorsResponseJson)
          : Promise.resolve({ sponsors: [] } as ListSponsorsResponseJson),
      ]);
      const admin = isAdmin(user);
      const joined = (list: ListMembersResponseJson) => !!list.members?.some(
        (m) => m.userId === user?.id && m.state === "MEMBERSHIP_STATE_JOINED");
      // The wallet answers zeros to anyone: coins granted, or a place in the members' list, make a member.
      const member = Number(balance?.granted ?? 0) > 0 || joined(members) || joined(managers);
      setState({
        campaign, error: null, balance: member ? balance : null, member, admin,
        manager: admin || joined(managers),
        sponsor: !!sponsors.sponsors?.some((s) => s.id === user?.id),
      });
    } catch (error) {
      setState((s) => ({ ...s, error }));
    }
  }, [campaignId, user]);
  useEffect(() => { void reload(); }, [reload]);
  const setBalance = useCallback((balance: CoinBalanceJson) => setState((s) => ({ ...s, balance })), []);
  return { ...state, reload, setBalance };
}
