import { useRef, useState, type FormEvent } from "react";
import { post, requestId, seg } from "./api";
import { ApiError } from "./errors";
import type { AllocateCoinsResponseJson } from "./gen/coins/v1/coin_service_pb";
import type { CoinBalanceJson, IdeaJson } from "./gen/coins/v1/resources_pb";
import { ErrorMessage, Notice, useAction } from "./ui";

const RETRYABLE = new Set(["UNAVAILABLE", "CONFLICT", "DEADLINE_EXCEEDED", "INTERNAL"]);

/** A coin move keeps its request_id until it is answered: an automatic retry after a lost answer, or the user's
 * "try again" with the same amount, repeats the same request and the ledger applies it once. */
function useCoinMove() {
  const attempt = useRef<{ key: string; id: string } | null>(null);
  return async <T,>(path: string, body: Record<string, unknown>): Promise<T> => {
    const key = JSON.stringify([path, body]);
    if (attempt.current?.key !== key) attempt.current = { key, id: requestId() };
    const id = attempt.current.id;
    for (let tries = 0; ; tries++) {
      try {
        const answer = await post<T>(path, { ...body, requestId: id });
        attempt.current = null;
        return answer;
      } catch (error) {
        const retry = error instanceof ApiError && RETRYABLE.has(error.reason);
        if (!retry) attempt.current = null;
        if (!retry || tries >= 2) throw error;
        await new Promise((done) => setTimeout(done, 300 * 2 ** tries));
      }
    }
  };
}

export function Wallet({ balance }: { balance: CoinBalanceJson }) {
  const rows: [string, string | undefined][] = [["Available", balance.available], ["Allocated", balance.allocated],
    ["Expended", balance.expended], ["Expired", balance.expired], ["Burned", balance.burned],
    ["Granted in all", balance.granted]];
  return (
    <section className="card wallet" aria-labelledby="wallet-title">
      <h2 id="wallet-title">Your coins</h2>
      <dl aria-live="polite">
        {rows.map(([name, value]) => (
          <div key={name} data-testid={`wallet-${name.split(" ")[0].toLowerCase()}`}>
            <dt>{name}</dt><dd>{value ?? "0"}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

/** Allocate, withdraw and move coins on one idea; `onBalance` gets the new balance from each answer. */
export function CoinActions({ idea, others, mine, allowMoves, onBalance }: {
  idea: IdeaJson; others: IdeaJson[]; mine: number; allowMoves: boolean; onBalance: (b: CoinBalanceJson) => void;
}) {
  const [amount, setAmount] = useState("1");
  const [target, setTarget] = useState("");
  const [done, setDone] = useState("");
  const action = useAction();
  const move = useCoinMove();
  const base = `/campaigns/${seg(idea.campaignId ?? "")}/coins`;

  async function run(event: FormEvent | null, kind: "allocate" | "withdraw" | "reallocate") {
    event?.preventDefault();
    setDone("");
    const body = kind === "reallocate" ? { fromIdeaId: idea.id, toIdeaId: target, amount }
      : { ideaId: idea.id, amount };
    await action.run(async () => {
      const answer = await move<AllocateCoinsResponseJson>(`${base}/${kind}`, body);
      if (answer.balance) onBalance(answer.balance);
      setDone({ allocate: `You put ${amount} coins on this idea.`, withdraw: `You took ${amount} coins back.`,
        reallocate: `You moved ${amount} coins to another idea.` }[kind]);
    });
  }
  const competing = others.filter((o) => o.id !== idea.id && o.status === "IDEA_STATUS_COMPETING");
  return (
    <section className="card" aria-labelledby="coins-title">
      <h2 id="coins-title">Back this idea</h2>
      <p>You have {mine} coins on this idea.</p>
      <form onSubmit={(e) => run(e, "allocate")} className="row">
        <label htmlFor="amount">Number of coins</label>
        <input id="amount" type="number" min={1} step={1} required value={amount}
          onChange={(e) => setAmount(e.target.value)} />
        <button type="submit" disabled={action.pending}>Allocate</button>
        {allowMoves && (
          <button type="button" disabled={action.pending || mine < 1} onClick={() => run(null, "withdraw")}>
            Withdraw
          </button>
        )}
      </form>
      {allowMoves && competing.length > 0 && (
        <form onSubmit={(e) => run(e, "reallocate")} className="row">
          <label htmlFor="target">Move coins to</label>
          <select id="target" required value={target} onChange={(e) => setTarget(e.target.value)}>
            <option value="">Choose an idea</option>
            {competing.map((o) => <option key={o.id} value={o.id}>{o.title}</option>)}
          </select>
          <button type="submit" disabled={action.pending || mine < 1 || !target}>Move</button>
        </form>
      )}
      {done && <Notice>{done}</Notice>}
      <ErrorMessage error={action.error} />
    </section>
  );
}
