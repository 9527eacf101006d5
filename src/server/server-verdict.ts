// Draws one server's result from what the run learned of it: the Before reading, the sync's
// answer, the watch and the After reading. Pure, so that every rule of the contract's "sync of one
// server" and "Authentication" can be tested on plain values.
import type { ErrorDetails, SyncStatus } from '../api/envelope.js';
import { ADMIN_LOGIN_NEEDED, type ServerState } from '../api/server-object.js';
import { formatSeconds } from '../format.js';
import type { BreakingChangeAction } from '../inputs/inputs.js';
import type { StopKind } from '../run-stop.js';
import { diffCapabilities, offeredPrompts, offeredTools } from './capability-diff.js';
import type { ServerResult } from './server-result.js';
import { similarIds } from './similar-ids.js';
import type { SyncAnswer } from './sync-server.js';

export interface ServerFacts {
  serverId: string;
  before?: ServerState;
  /** Why there is no Before reading. */
  beforeProblem?: string;
  /** The Before reading found no such server in the account. */
  beforeNotFound?: boolean;
  /** Undefined in a dry run. */
  sync?: SyncAnswer;
  after?: ServerState;
  afterProblem?: string;
  /** How long the watch saw the server `waiting` after its sync, when it did. */
  waitedMs?: number;
  /** Every id of the account, when the list was read: for a did-you-mean after a 404. */
  knownIds?: readonly string[];
}

export interface VerdictRules {
  expectedTools: readonly string[];
  waitForReady: boolean;
  onBreakingChange: BreakingChangeAction;
  dryRun: boolean;
  timeoutMs: number;
  accountId: string;
  /** Why the run stopped early, if it did. */
  stopped?: StopKind;
}

export function serverVerdict(facts: ServerFacts, rules: VerdictRules): ServerResult {
  const { serverId, before, sync, after } = facts;
  // What the portal offers now: After, or in a dry run, Before as it stands.
  const now = rules.dryRun ? before : after;
  const result: ServerResult = {
    serverId,
    status: statusOf(facts, rules.dryRun) ?? 'error',
    attempts: sync?.attempts ?? 0,
    durationMs: (sync?.durationMs ?? 0) + (facts.waitedMs ?? 0),
    changes: null,
    warnings: [],
  };
  const authentication = now?.authenticationStatus ?? before?.authenticationStatus;
  if (authentication !== undefined) result.authenticationStatus = authentication;
  if (sync?.rayId !== undefined) result.rayId = sync.rayId;
  if (now !== undefined) {
    result.tools = offeredTools(now).map((tool) => tool.name);
    result.prompts = offeredPrompts(now).map((prompt) => prompt.name);
  }
  if (!rules.dryRun && before !== undefined && after !== undefined) {
    result.changes = diffCapabilities(before, after);
  }

  const failure = failureOf(facts, rules, result);
  if (failure !== undefined) {
    result.status = 'error';
    result.error = failure.error;
    result.retryable = failure.retryable;
    if (failure.hint !== undefined) result.hint = failure.hint;
    const details =
      failure.errorDetails ?? (sync?.error === undefined ? undefined : sync.errorDetails);
    if (details !== undefined) result.errorDetails = details;
  }
  result.warnings = warningsOf(facts, rules, result);
  return result;
}

/** A server object without a status is, by Cloudflare's default, still `waiting`. */
export function statusOfReading(state: ServerState): SyncStatus {
  return state.status ?? 'waiting';
}

function statusOf(facts: ServerFacts, dryRun: boolean): ServerResult['status'] | undefined {
  if (dryRun) return facts.before === undefined ? 'error' : statusOfReading(facts.before);
  const { sync, after } = facts;
  if (sync === undefined || sync.error !== undefined) return 'error';
  // The sync's answer stands, but for `waiting`, which the watch and After follow up on.
  return sync.status === 'waiting' && after !== undefined ? statusOfReading(after) : sync.status;
}

interface Failure {
  error: string;
  retryable: boolean;
  hint?: string;
  /** The reading's own `error_details`, when a reading (not the sync) failed the server. */
  errorDetails?: ErrorDetails;
}

/** A server that a reading shows in `error`: its own words and details. */
function readingFailure(what: string, state: ServerState): Failure {
  const failure: Failure = {
    error: `${what}: ${state.error ?? 'no message given'}`,
    retryable: state.errorDetails?.retryable ?? false,
  };
  if (state.errorDetails !== undefined) failure.errorDetails = state.errorDetails;
  return failure;
}

function failureOf(
  facts: ServerFacts,
  rules: VerdictRules,
  result: ServerResult,
): Failure | undefined {
  const { serverId, before, sync, after } = facts;
  if (sync?.error !== undefined) return syncFailure(facts, sync, rules);
  if (rules.dryRun && before === undefined) {
    const failure: Failure = {
      error: facts.beforeProblem ?? 'the server could not be read',
      retryable: false,
    };
    if (facts.beforeNotFound === true) failure.hint = notFoundHint(facts);
    return failure;
  }
  if (rules.dryRun && before?.status === 'error') {
    return readingFailure('its last sync failed', before);
  }
  if (before?.authenticationStatus === 'required' || after?.authenticationStatus === 'required') {
    return { error: ADMIN_LOGIN_NEEDED, retryable: false };
  }
  if (!rules.dryRun && after === undefined && rules.stopped === 'credentials') {
    // Refused credentials leave the server unfinished: the contract ends it with that error.
    return { error: facts.afterProblem ?? 'not read after the sync', retryable: false };
  }
  // A cancel keeps what the sync answered: no After, or a watch cut short, is no fault of its own.
  if (
    rules.stopped === 'cancelled' &&
    !rules.dryRun &&
    (after === undefined || result.status === 'waiting')
  ) {
    return undefined;
  }
  if (result.status === 'error' && after !== undefined) {
    // The watch saw the server leave `waiting` for `error`: its reading says why.
    return readingFailure('the server failed after its sync', after);
  }
  if (result.status === 'waiting' && rules.waitForReady && !rules.dryRun) {
    const waited = formatSeconds(facts.waitedMs ?? 0);
    const lastRead =
      facts.afterProblem === undefined ? '' : ` (its last reading failed: ${facts.afterProblem})`;
    return {
      error: `still waiting after ${waited}: the server had not finished connecting to its upstream when timeout-seconds (${formatSeconds(rules.timeoutMs)}) ran out${lastRead}`,
      retryable: true,
      hint: 'raise timeout-seconds, or set wait-for-ready: false to pass while the server is still connecting',
    };
  }
  const missing = missingTools(result.tools, rules.expectedTools);
  if (missing !== undefined) return missing;
  const breaking = result.changes?.breaking ?? [];
  if (rules.onBreakingChange === 'fail' && breaking.length > 0) {
    return {
      error: `breaking change${breaking.length === 1 ? '' : 's'} (on-breaking-change: fail): ${breaking.join('; ')}`,
      retryable: false,
      hint: `if ${serverId}'s clients are ready for it, rerun with on-breaking-change: warn`,
    };
  }
  return undefined;
}

function syncFailure(facts: ServerFacts, sync: SyncAnswer, rules: VerdictRules): Failure {
  const error = sync.error ?? 'sync failed';
  const failure: Failure = { error, retryable: sync.retryable ?? false };
  if (sync.notFound === true) {
    failure.error = `no MCP server ${facts.serverId} in account ${rules.accountId} (${error})`;
    failure.hint = notFoundHint(facts);
  } else if (sync.gaveUp === 'timeout-seconds' && sync.attempts === 0) {
    failure.hint =
      'timeout-seconds ran out before this server was reached: raise timeout-seconds, or sync the fleet in parts';
  } else if (sync.gaveUp === 'timeout-seconds') {
    failure.hint = 'the upstream kept failing with retryable errors: raise timeout-seconds';
  } else if (sync.gaveUp === 'max-attempts') {
    failure.hint = 'the upstream kept failing with retryable errors: raise max-attempts';
  }
  return failure;
}

/** What to do about an id the account does not have: the ids like it, when the list was read. */
function notFoundHint(facts: ServerFacts): string {
  const similar = similarIds(facts.serverId, facts.knownIds ?? []);
  return similar.length > 0
    ? `did you mean ${similar.join(', ')}? server-id takes the server's id, not its display name`
    : "check server-id against the server's id in the Cloudflare dashboard (Zero Trust → Access → AI controls → MCP servers), and account-id";
}

function missingTools(
  tools: readonly string[] | undefined,
  expected: readonly string[],
): Failure | undefined {
  if (expected.length === 0) return undefined;
  if (tools === undefined) {
    return {
      error: 'expected-tools could not be checked: the tools of the server were not read',
      retryable: true,
    };
  }
  const offered = new Set(tools);
  const missing = expected.filter((tool) => !offered.has(tool));
  if (missing.length === 0) return undefined;
  return {
    error: `missing expected tool${missing.length === 1 ? '' : 's'}: ${missing.join(', ')}`,
    retryable: false,
    hint: 'check that the deploy shipped the tool, and that no server or portal override disables it',
  };
}

/**
 * What the user should know of a server that did not fail, beyond its status and changes, which
 * the report words itself (stale, waiting, breaking changes under on-breaking-change: warn).
 */
function warningsOf(facts: ServerFacts, rules: VerdictRules, result: ServerResult): string[] {
  if (result.error !== undefined) return [];
  // A `stale` status says this itself; a stale authorization under another status does not.
  const stale =
    result.authenticationStatus === 'stale' && result.status !== 'stale'
      ? [
          "the administrator's authorization has expired (authentication_status: stale): re-authenticate the server in the Cloudflare dashboard",
        ]
      : [];
  if (rules.dryRun) return stale;
  if (facts.before === undefined) {
    return [
      ...stale,
      `changes unknown: the server could not be read before the sync (${facts.beforeProblem ?? 'no reading'})`,
    ];
  }
  if (facts.after === undefined) {
    return [
      ...stale,
      `tools and prompts unknown: the server could not be read after the sync (${facts.afterProblem ?? 'no reading'})`,
    ];
  }
  return stale;
}
