// Runs one API call until the retry policy says stop, logging one line per attempt. The policy
// decides; this loop only sends, waits and keeps count.
import type { ApiCall, HttpOutcome } from '../api/cloudflare-api.js';
import type { RunStop } from '../run-stop.js';
import { formatSeconds } from '../format.js';
import type { Clock } from '../clock.js';
import {
  classify,
  nextStep,
  type NextStep,
  type Purpose,
  type RetrySettings,
  type Verdict,
} from './retry-policy.js';
import { oneLine } from '../untrusted-text.js';

export interface RetryContext {
  settings: RetrySettings & { requestTimeoutMs: number; timeoutMs: number };
  clock: Clock;
  random: () => number;
  /** When timeout-seconds runs out, in clock time. */
  deadlineMs: number;
  /** Shared by every worker: a refused credential stops them all, and so does a cancel. */
  runStop: RunStop;
  log: (line: string) => void;
}

type Failure = Extract<Verdict, { ok: false }>;

interface Attempts {
  /** Requests sent. */
  attempts: number;
  /** The last response, when there was one. */
  outcome?: HttpOutcome;
}

export type CallResult = Attempts &
  (
    | { ok: true; verdict: Extract<Verdict, { ok: true }> }
    /** `error`: the verdict's message and, when a limit ended the retries, which one. */
    | { ok: false; verdict: Failure; error: string; gaveUp?: 'max-attempts' | 'timeout-seconds' }
  );

/** Calls until success, a non-retryable failure, max-attempts, or the deadline. */
export async function callWithRetries(
  label: string,
  call: ApiCall,
  context: RetryContext,
  purpose: Purpose = 'sync',
): Promise<CallResult> {
  const { settings, clock, deadlineMs } = context;
  const timeout = `timeout-seconds (${formatSeconds(settings.timeoutMs)})`;
  let attempts = 0;
  let last: { outcome: HttpOutcome; verdict: Failure } | undefined;
  for (;;) {
    const remainingMs = deadlineMs - clock.now();
    const outcome =
      remainingMs > 0
        ? await call(Math.min(settings.requestTimeoutMs, remainingMs), deadlineMs)
        : ({ kind: 'not-sent', why: 'deadline' } as const);
    if (outcome.kind === 'not-sent') {
      const stop = context.runStop.reason;
      if (outcome.why === 'stopped' && stop !== undefined) {
        const verdict = last?.verdict ?? {
          ok: false,
          retryable: false,
          message: stop.message,
          sync: {},
        };
        const error =
          stop.kind === 'cancelled'
            ? `${stop.message} before ${label} was answered`
            : `${oneLine(stop.message)} (not sent: the API refused the credentials)`;
        return {
          ok: false,
          verdict,
          attempts,
          ...(last === undefined ? {} : { outcome: last.outcome }),
          error,
        };
      }
      // The deadline came first, or a rate-limit pause outlasts it.
      context.log(`${label}: not sent, ${timeout} ran out`);
      const verdict = last?.verdict ?? {
        ok: false,
        retryable: true,
        message: 'not sent',
        sync: {},
      };
      return failed(verdict, attempts, last?.outcome, `${timeout} ran out`, 'timeout-seconds');
    }
    attempts += 1;
    const verdict = classify(outcome, purpose);
    if (!verdict.ok && verdict.stopsRun === true)
      context.runStop.stop('credentials', verdict.message);
    const step = nextStep(outcome, verdict, attempts, settings, {
      nowMs: clock.now(),
      deadlineMs,
      random: context.random,
    });
    context.log(attemptLine(label, attempts, settings.maxAttempts, outcome, verdict, step));
    if (verdict.ok) return { ok: true, verdict, attempts, outcome };
    last = { outcome, verdict };
    if (step.action === 'retry') {
      await clock.sleep(step.waitMs, context.runStop.signal);
    } else if (step.reason === 'attempts-exhausted') {
      return failed(
        verdict,
        attempts,
        outcome,
        `max-attempts (${settings.maxAttempts}) used up`,
        'max-attempts',
      );
    } else if (step.reason === 'deadline') {
      return failed(
        verdict,
        attempts,
        outcome,
        `${timeout} would pass during the next wait`,
        'timeout-seconds',
      );
    } else {
      return { ok: false, verdict, attempts, outcome, error: oneLine(verdict.message) };
    }
  }
}

function failed(
  verdict: Failure,
  attempts: number,
  outcome: HttpOutcome | undefined,
  reason: string,
  gaveUp: 'max-attempts' | 'timeout-seconds',
): CallResult {
  return {
    ok: false,
    verdict,
    attempts,
    gaveUp,
    ...(outcome === undefined ? {} : { outcome }),
    error: `${oneLine(verdict.message)} (gave up after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${reason})`,
  };
}

function attemptLine(
  label: string,
  attempt: number,
  maxAttempts: number,
  outcome: HttpOutcome,
  verdict: Verdict,
  step: NextStep,
): string {
  const got = outcome.kind === 'response' ? `HTTP ${outcome.status}` : 'no HTTP response';
  const ray =
    outcome.kind === 'response' && outcome.rayId !== undefined ? ` [cf-ray ${outcome.rayId}]` : '';
  const head = `${label}: attempt ${attempt}/${maxAttempts}: ${got}${ray}`;
  if (verdict.ok) return `${head}, ${verdict.sync.status ?? 'ok'}`;
  const what = `${verdict.retryable ? 'retryable' : 'not retryable'}: ${oneLine(verdict.message, 200)}`;
  if (step.action === 'retry') {
    return `${head}, ${what}; waiting ${formatSeconds(step.waitMs)} (${step.waitSource})`;
  }
  if (step.reason === 'deadline') {
    return `${head}, ${what}; no wait of ${formatSeconds(step.waitMs)} (${step.waitSource}): it would end past timeout-seconds`;
  }
  if (step.reason === 'attempts-exhausted') return `${head}, ${what}; no attempts left`;
  return `${head}, ${what}`;
}
