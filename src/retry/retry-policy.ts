// The one place that decides whether a request is retried and how long to wait first. Pure: the
// caller passes the time and a random source, so every rule is testable without sleeping.
import {
  describeApiErrors,
  isObject,
  parseErrorDetails,
  parseSyncResult,
  type Envelope,
  type SyncResult,
} from '../api/envelope.js';
import type { HttpOutcome } from '../api/cloudflare-api.js';
import { retryAfterMs } from '../api/headers.js';
import { ADMIN_LOGIN_NEEDED } from '../api/server-object.js';

export type Verdict =
  | { ok: true; sync: SyncResult; envelope: Envelope }
  | {
      ok: false;
      retryable: boolean;
      message: string;
      sync: SyncResult;
      /** The credentials were refused: every other request would be too. */
      stopsRun?: true;
      /** The API says there is no such server or portal. */
      notFound?: true;
    };

/** A sync's answer decides by its body; a read only needs the envelope. */
export type Purpose = 'sync' | 'read';

/** HTTP statuses worth another try unless the body says otherwise (Cloudflare's 52x are 5xx). */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || (status >= 500 && status <= 599);
}

/** Classifies one exchange: success, or a failure that is or is not worth retrying. */
export function classify(outcome: HttpOutcome, purpose: Purpose = 'sync'): Verdict {
  if (outcome.kind === 'network') {
    return { ok: false, retryable: true, message: outcome.message, sync: {} };
  }
  const { status, envelope, bodyProblem } = outcome;
  // A read's result is a server object, whose own `error` is the last sync's, not this call's.
  const parsed =
    envelope === undefined || purpose === 'read' ? undefined : parseSyncResult(envelope.result);
  // The body's `retryable` decides whatever else the result lacks.
  const details =
    purpose === 'sync' && parsed === undefined && isObject(envelope?.result)
      ? parseErrorDetails(envelope?.result.error_details)
      : undefined;
  const sync: SyncResult = parsed ?? (details === undefined ? {} : { errorDetails: details });
  const bodyRetryable = sync.errorDetails?.retryable;
  const refused = status === 401 || status === 403;
  const fail = (retryable: boolean, message: string): Verdict => ({
    ok: false,
    // Refused credentials stay refused, whatever a body says.
    retryable: retryable && !refused,
    message,
    sync,
    ...(refused ? { stopsRun: true as const } : {}),
    ...(status === 404 ? { notFound: true as const } : {}),
  });

  if (status >= 300 && status <= 399) {
    // A redirect could hand our credentials to another origin; it is never followed or retried.
    return fail(false, `HTTP ${status}: redirect not followed`);
  }
  // Whatever the status or the rest of the body, only an administrator can make this sync work.
  if (
    purpose === 'sync' &&
    isObject(envelope?.result) &&
    envelope?.result.authentication_status === 'required'
  ) {
    return fail(false, ADMIN_LOGIN_NEEDED);
  }
  if (status >= 200 && status <= 299) {
    if (envelope === undefined) return fail(true, `HTTP ${status}: ${bodyProblem}`);
    if (!envelope.success) {
      return fail(bodyRetryable === true, apiFailureMessage(status, envelope, sync));
    }
    if (purpose === 'read') return { ok: true, sync, envelope };
    if (parsed === undefined) {
      // As good as a body that is no envelope at all: the answer may be whole next time.
      return fail(
        bodyRetryable ?? true,
        `HTTP ${status}: the sync answer has no status or error (${shape(envelope.result)})`,
      );
    }
    if (sync.error !== undefined || sync.status === 'error') {
      return fail(bodyRetryable === true, syncErrorMessage(sync));
    }
    return { ok: true, sync, envelope };
  }
  const retryable = bodyRetryable ?? isRetryableStatus(status);
  return fail(retryable, apiFailureMessage(status, envelope, sync));
}

function shape(result: unknown): string {
  if (result === null || result === undefined) return 'no result';
  if (Array.isArray(result)) return 'the result is a list';
  if (typeof result !== 'object') return `the result is a ${typeof result}`;
  return Object.keys(result).length === 0
    ? 'the result is an empty object'
    : 'the result is an object without them';
}

function syncErrorMessage(sync: SyncResult): string {
  const error = sync.error ?? 'sync failed';
  const cause = sync.errorDetails?.cause;
  return cause !== undefined && cause !== '' && cause !== error
    ? `${error} (cause: ${cause})`
    : error;
}

function apiFailureMessage(
  status: number,
  envelope: Envelope | undefined,
  sync: SyncResult,
): string {
  const apiErrors = envelope === undefined ? '' : describeApiErrors(envelope.errors);
  const detail =
    apiErrors !== ''
      ? apiErrors
      : sync.error !== undefined
        ? syncErrorMessage(sync)
        : envelope === undefined
          ? 'no Cloudflare API response in the body'
          : 'the API reported failure without a message';
  return `HTTP ${status}: ${detail}`;
}

export interface RetrySettings {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/**
 * Exponential backoff after the `failedAttempts`-th failure: base, 2×base, 4×base … capped at
 * max, less up to a quarter of jitter so that parallel workers spread out, but never below base.
 */
function backoffMs(failedAttempts: number, settings: RetrySettings, random: () => number): number {
  const nominal = Math.min(settings.maxDelayMs, settings.baseDelayMs * 2 ** (failedAttempts - 1));
  const jittered = nominal * (1 - 0.25 * random());
  return Math.max(Math.min(settings.baseDelayMs, settings.maxDelayMs), jittered);
}

export type WaitSource = 'retry-after' | 'backoff';

export type NextStep =
  | { action: 'stop'; reason: 'succeeded' | 'not-retryable' | 'attempts-exhausted' }
  | { action: 'stop'; reason: 'deadline'; waitMs: number; waitSource: WaitSource }
  | { action: 'retry'; waitMs: number; waitSource: WaitSource };

/**
 * After attempt number `attempt` (1-based) ended with `verdict`: stop, or wait and retry. A wait
 * the server asked for is honoured in full; a wait that would end past `deadlineMs` is not begun.
 */
export function nextStep(
  outcome: HttpOutcome,
  verdict: Verdict,
  attempt: number,
  settings: RetrySettings,
  clock: { nowMs: number; deadlineMs: number; random: () => number },
): NextStep {
  if (verdict.ok) return { action: 'stop', reason: 'succeeded' };
  if (!verdict.retryable) return { action: 'stop', reason: 'not-retryable' };
  if (attempt >= settings.maxAttempts) return { action: 'stop', reason: 'attempts-exhausted' };
  const asked =
    outcome.kind === 'response' ? retryAfterMs(outcome.headers, clock.nowMs) : undefined;
  const waitMs = asked ?? backoffMs(attempt, settings, clock.random);
  const waitSource: WaitSource = asked === undefined ? 'backoff' : 'retry-after';
  if (clock.nowMs + waitMs >= clock.deadlineMs) {
    return { action: 'stop', reason: 'deadline', waitMs, waitSource };
  }
  return { action: 'retry', waitMs, waitSource };
}
