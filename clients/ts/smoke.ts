// One member's journey through a running Coins for Change platform with the TypeScript stubs `make clients`
// generates (protoc-gen-es) and Connect's gRPC-Web transport, as a browser app calls the gateway: register, verify
// the email, sign in, an admin creates and activates a campaign, the member joins, submits an idea, allocates coins
// with a request_id, repeats the call (a replay), reads the balance over gRPC-Web and over REST, and reads the
// ErrorInfo reason of a refused allocation.
//
//   npx tsx smoke.ts
//
// Reads COINS_GATEWAY (host:port), COINS_ADMIN_EMAIL, COINS_ADMIN_PASSWORD and COINS_MAIL_DIR (the dev mailbox's
// folder, where the verification link arrives). Exit status 0 means every step answered as the contract says.
import { randomUUID } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";

import { fromJson, toJsonString } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-web";

import { AuthService } from "./build/gen/coins/v1/auth_service_pb.js";
import { CampaignService } from "./build/gen/coins/v1/campaign_service_pb.js";
import { CoinService } from "./build/gen/coins/v1/coin_service_pb.js";
import { IdeaService } from "./build/gen/coins/v1/idea_service_pb.js";
import { CampaignStatus, CampaignType, CoinBalanceSchema } from "./build/gen/coins/v1/resources_pb.js";
import { ErrorInfoSchema } from "./build/gen/google/rpc/error_details_pb.js";

const PASSWORD = "correct horse battery staple";

function env(name: string): string {
  const value = process.env[name];
  if (!value) fail(`${name} is not set`);
  return value;
}

function fail(message: string): never {
  console.error(`ts smoke FAILED: ${message}`);
  process.exit(1);
}

function expect(ok: boolean, message: string): void {
  if (!ok) fail(message);
}

function step(message: string): void {
  console.log(`  ok  ${message}`);
}

const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` }, timeoutMs: 15_000 });

/** Waits for the registration mail in the dev mailbox (one .eml per delivery) and returns its link's token. */
async function verificationToken(email: string): Promise<string> {
  const dir = env("COINS_MAIL_DIR");
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names.filter((n) => n.endsWith(".eml") && !n.startsWith("."))) {
      const raw = await readFile(`${dir}/${name}`, "utf8");
      if (!raw.includes(`Delivered-To: ${email}`)) continue;
      // The body may be quoted-printable: undo soft line breaks and the escaped '='.
      const text = raw.replaceAll("=\r\n", "").replaceAll("=\n", "").replaceAll("=3D", "=");
      const match = /\/verify-email\?token=([A-Za-z0-9_.~%-]+)/.exec(text);
      if (match) return match[1];
    }
    await sleep(100);
  }
  fail(`no verification mail for ${email} in ${dir}`);
}

async function main(): Promise<void> {
  const started = Date.now();
  const gateway = `http://${env("COINS_GATEWAY")}`;
  const transport = createGrpcWebTransport({ baseUrl: gateway });
  const auth = createClient(AuthService, transport);
  const campaigns = createClient(CampaignService, transport);
  const ideas = createClient(IdeaService, transport);
  const coins = createClient(CoinService, transport);

  const admin = (await auth.login({ email: env("COINS_ADMIN_EMAIL"), password: env("COINS_ADMIN_PASSWORD") }))
    .accessToken;

  const email = `ts-smoke-${randomUUID().slice(0, 12)}@example.org`;
  await auth.register({ email, password: PASSWORD, fullName: "TS Smoke" });
  await auth.verifyEmail({ token: await verificationToken(email) });
  const member = (await auth.login({ email, password: PASSWORD })).accessToken;
  step(`registered, verified and signed in ${email}`);

  const slug = `ts-smoke-${randomUUID().slice(0, 8)}`;
  await campaigns.createCampaign(
    { campaignId: slug, campaign: { title: "TS smoke", type: CampaignType.OPEN } }, bearer(admin));
  const active = await campaigns.activateCampaign({ campaignId: slug }, bearer(admin));
  expect(active.status === CampaignStatus.ACTIVE, `campaign status ${active.status}`);
  step(`admin created and activated campaign ${slug}`);

  await campaigns.joinCampaign({ campaignId: slug }, bearer(member));
  const idea = await ideas.createIdea({ campaignId: slug, title: `TS smoke idea ${randomUUID()}` }, bearer(member));
  step(`member joined and submitted idea ${idea.id}`);

  const allocate = { campaignId: slug, ideaId: idea.id, amount: 10n, requestId: randomUUID() };
  const first = await coins.allocateCoins(allocate, bearer(member));
  const replay = await coins.allocateCoins(allocate, bearer(member));
  expect(first.balance?.available === 90n && replay.balance?.available === 90n,
    `available after allocation and replay: ${first.balance?.available}, ${replay.balance?.available} (want 90, 90)`);
  expect(replay.allocation?.amount === 10n, `replayed allocation ${replay.allocation?.amount} (want 10)`);
  const balance = await coins.getCoinBalance({ campaignId: slug }, bearer(member));
  expect(balance.available === 90n && balance.allocated === 10n,
    `balance available ${balance.available} allocated ${balance.allocated} (want 90, 10): the replay moved coins`);
  // The same balance over REST: the gateway's JSON is protobuf's JSON mapping, which fromJson reads.
  const rest = await fetch(`${gateway}/campaigns/${slug}/coins/balance`, bearer(member));
  expect(rest.ok, `REST balance answered ${rest.status}`);
  const overRest = fromJson(CoinBalanceSchema, await rest.json());
  expect(overRest.available === 90n && overRest.allocated === 10n, `REST balance ${toJsonString(CoinBalanceSchema, overRest)}`);
  step("allocated 10 coins once though the call was sent twice; balance 90 available, 10 allocated (gRPC-Web, REST)");

  try {
    await coins.allocateCoins({ ...allocate, amount: 1000n, requestId: randomUUID() }, bearer(member));
    fail("allocating 1000 of 90 coins succeeded");
  } catch (error) {
    const refused = ConnectError.from(error);
    expect(refused.code === Code.FailedPrecondition, `over-allocation answered ${Code[refused.code]}: ${refused.message}`);
    const [info] = refused.findDetails(ErrorInfoSchema);
    expect(info?.reason === "COIN_001" && info.domain === "coins.v1",
      `over-allocation ErrorInfo ${info ? toJsonString(ErrorInfoSchema, info) : "missing"} (want reason COIN_001)`);
    step(`refused allocation: ${Code[refused.code]}, ErrorInfo reason ${info.reason}`);
  }

  try {
    await coins.getCoinBalance({ campaignId: slug });
    fail("a balance without a token was answered");
  } catch (error) {
    const refused = ConnectError.from(error);
    expect(refused.code === Code.Unauthenticated, `no token answered ${Code[refused.code]}: ${refused.message}`);
    step("a call without a token: Unauthenticated (the gateway's JWT filter guards gRPC-Web too)");
  }
  console.log(`ts smoke (gRPC-Web, REST): every step passed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

await main();
