import { useCallback, useEffect, useState } from "react";
import { get, query, seg } from "./api";
import { ApiError } from "./errors";
import type { ListSponsorsResponseJson } from "./gen/coins/v1/campaign_service_pb";
import type { CampaignJson, CampaignMemberJson, CoinBalanceJson } from "./gen/coins/v1/resources_pb";
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

/** The campaign and what the signed-in user is to it: its own membership (GetMember), its wallet, and for sponsors
 * the campaign's sponsors. */
export function useStanding(campaignId: string): Standing {
  const { user } = useMe();
  const [state, setState] = useState<Omit<Standing, "reload" | "setBalance">>({
    campaign: null, error: null, balance: null, member: false, manager: false, sponsor: false, admin: false });
  const reload = useCallback(async () => {
    const base = `/campaigns/${seg(campaignId)}`;
    const absent = (e: unknown) => (e instanceof ApiError ? null : Promise.reject(e));  // not a member: NOT_FOUND
    try {
      const campaign = await get<CampaignJson>(base);
      const [balance, membership, sponsors] = await Promise.all([
        get<CoinBalanceJson>(`${base}/coins/balance`).catch(absent),
        user ? get<CampaignMemberJson>(`${base}/members/${seg(user.id ?? "")}`).catch(absent) : Promise.resolve(null),
        isSponsor(user)
          ? get<ListSponsorsResponseJson>(`${base}/sponsors${query({ pageSize: 100 })}`)
            .catch(() => ({ sponsors: [] }) as ListSponsorsResponseJson)
          : Promise.resolve({ sponsors: [] } as ListSponsorsResponseJson),
      ]);
      const admin = isAdmin(user);
      const member = membership?.state === "MEMBERSHIP_STATE_JOINED";
      setState({
        campaign, error: null, balance: member ? balance : null, member, admin,
        manager: admin || (member && membership?.role === "CAMPAIGN_ROLE_MANAGER"),
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
