import type { ErrorReasonJson } from "./gen/coins/v1/errors_pb";

// ErrorInfo.reason carries the contract's ErrorReason without its prefix ("COIN_001"). A Record over every reason
// makes the compiler refuse a build in which a reason added to errors.proto has no sentence here.
export type Reason = ErrorReasonJson extends `ERROR_REASON_${infer R}` ? Exclude<R, "UNSPECIFIED"> : never;

const LEAD: Record<Reason, string> = {
  AUTH_001: "Please sign in again.",
  AUTH_002: "You are not allowed to do that.",
  CAMPAIGN_001: "This campaign does not exist, or you cannot see it.",
  CAMPAIGN_002: "This campaign is not running, so nothing can be submitted or moved now.",
  COIN_001: "You do not have enough coins for that.",
  COIN_002: "Those coins were already spent on an accepted idea and cannot move.",
  IDEA_001: "This idea does not exist, or you cannot see it.",
  IDEA_002: "A very similar idea already exists.",
  IDEA_003: "This idea is not competing for coins.",
  IDEA_004: "This idea was already accepted.",
  INVALID_INPUT: "Please check what you entered.",
  REQUEST_ID_REUSED: "This request was already sent with different details; please try again.",
  NOT_FOUND: "We could not find that.",
  ALREADY_EXISTS: "That already exists.",
  INVALID_TRANSITION: "That step is not possible from the current state.",
  POLICY_LOCKED: "The coin rules can only change while the campaign is a draft.",
  IDEA_LOCKED: "This idea can no longer be edited.",
  NOT_A_SPONSOR: "That person is not a sponsor.",
  NOT_A_MEMBER: "You are not a member of this campaign.",
  MAX_PER_IDEA: "That would put more coins on one idea than the campaign allows.",
  NOT_ENOUGH_ON_IDEA: "You do not have that many coins on this idea.",
  REALLOCATION_DISABLED: "This campaign does not allow moving or withdrawing coins.",
  EMAIL_ALREADY_VERIFIED: "Your email address is already verified.",
  INVITATION_NOT_FOUND: "This invitation link is not valid.",
  INVITATION_USED: "This invitation was already used.",
  INVITATION_REVOKED: "This invitation was withdrawn by the campaign's managers.",
  INVITATION_EXPIRED: "This invitation has expired; ask for a new one.",
  RATE_LIMITED: "Too many attempts; please wait a moment and try again.",
  CONFLICT: "Someone else changed this at the same moment; please try again.",
  UNAVAILABLE: "Part of the platform is unavailable right now; please try again shortly.",
  UNIMPLEMENTED: "This part of the platform is not available yet.",
  DEADLINE_EXCEEDED: "The platform took too long to answer; please try again.",
  INTERNAL: "Something went wrong on our side; please try again.",
};

// Without an ErrorInfo (a proxy's own reply, a network failure) the HTTP status decides.
const BY_STATUS: Record<number, Reason> = {
  400: "INVALID_INPUT", 401: "AUTH_001", 403: "AUTH_002", 404: "NOT_FOUND", 409: "CONFLICT", 429: "RATE_LIMITED",
  501: "UNIMPLEMENTED", 503: "UNAVAILABLE", 504: "DEADLINE_EXCEEDED",
};

type StatusDetail = { "@type"?: string; reason?: string; metadata?: Record<string, string>;
  fieldViolations?: { field?: string; description?: string }[] };
type StatusBody = { code?: number; message?: string; details?: StatusDetail[] };

/** An API error as a person reads it: `sentence` is shown; `reason` lets screens react to particular refusals. */
export class ApiError extends Error {
  readonly reason: Reason;
  readonly status: number;
  readonly metadata: Record<string, string>;
  readonly sentence: string;

  constructor(status: number, body: StatusBody | null) {
    const info = body?.details?.find((d) => d["@type"]?.endsWith("google.rpc.ErrorInfo"));
    const known = info?.reason && info.reason in LEAD ? (info.reason as Reason) : undefined;
    const reason = known ?? BY_STATUS[status] ?? "INTERNAL";
    super(body?.message || reason);
    this.reason = reason;
    this.status = status;
    this.metadata = info?.metadata ?? {};
    this.sentence = sentence(reason, status, body);
  }
}

function sentence(reason: Reason, status: number, body: StatusBody | null): string {
  const lead = LEAD[reason];
  // The services' messages name the values ("you have 5 coins available, not 10"): worth adding to the lead,
  // except for server faults, whose message is not for users.
  const detail = status >= 500 || reason === "INTERNAL" ? "" : (body?.message ?? "").trim();
  if (!detail || detail.startsWith("{") || detail.length > 300) return lead;
  const violations = body?.details?.flatMap((d) => d.fieldViolations ?? []) ?? [];
  const said = violations.length ? violations.map((v) => v.description).filter(Boolean).join("; ") : detail;
  return `${lead} ${said.charAt(0).toUpperCase()}${said.slice(1)}${/[.!?]$/.test(said) ? "" : "."}`;
}

export function networkError(): ApiError {
  return new ApiError(503, null);
}
