// Runs one API call until the retry policy says stop, logging one line per attempt. The policy
// decides; this loop only sends, waits and keeps count.
import type { ApiCall, HttpOutcome } from './cloudflare-api.js';
import { formatSeconds } from './cloudflare-api.js';
import type { Clock } from './clock.js';
import {
  classify,
  nextStep,
  type NextStep,
  type RetrySettings,
  type Verdict,
} from './retry-policy.js';
import { oneLine } from './untrusted-text.js';

export interface RetryContext {
  settings: RetrySettings & { requestTimeoutMs: number; timeoutMs: number };
  clock: Clock;
  random: () => number;
  /** When timeout-seconds runs out, in clock time. */
  deadlineMs: number;
  log: (line: string) => void;
}

export interface CallResult {
  verdict: Verdict;
  /** Requests sent. */
  attempts: number;
  /** The last response, when there was one. */
  outcome?: HttpOutcome;
  /** Why the loop gave up, for a failure: the verdict's message and the limit that ended it. */
  error?: string;
}

/** Calls until success, a non-retryable failure, max-attempts, or the deadline. */
export async function callWithRetries(
  label: string,
  call: ApiCall,
  context: RetryContext,
): Promise<CallResult> {
  const { settings, clock, deadlineMs } = context;
  let attempts = 0;
  let last: { outcome: HttpOutcome; verdict: Verdict } | undefined;
  for (;;) {
    const remainingMs = deadlineMs - clock.now();
    const outcome =
      remainingMs > 0
        ? await call(Math.min(settings.requestTimeoutMs, remainingMs), deadlineMs)
        : undefined;
    if (outcome === undefined) {
      // Nothing was sent: the deadline came first, or the rate-limit pause outlasts it.
      const verdict = last?.verdict ?? {
        ok: false,
        retryable: true,
        message: 'not sent',
        sync: {},
      };
      const reason = `timeout-seconds (${formatSeconds(settings.timeoutMs)}) ran out`;
      context.log(`${label}: not sent, ${reason}`);
      return failed(verdict, attempts, last?.outcome, reason);
    }
    attempts += 1;
    const verdict = classify(outcome);
    const step = nextStep(outcome, verdict, attempts, settings, {
      nowMs: clock.now(),
      deadlineMs,
      random: context.random,
    });
    context.log(attemptLine(label, attempts, settings.maxAttempts, outcome, verdict, step));
    last = { outcome, verdict };
    if (step.action === 'retry') {
      await clock.sleep(step.waitMs);
      continue;
    }
    if (verdict.ok) return { verdict, attempts, outcome };
    if (step.reason === 'attempts-exhausted') {
      return failed(verdict, attempts, outcome, `max-attempts (${settings.maxAttempts}) used up`);
    }
    if (step.reason === 'deadline') {
      const reason = `timeout-seconds (${formatSeconds(settings.timeoutMs)}) would pass during the next wait`;
      return failed(verdict, attempts, outcome, reason);
    }
    return { verdict, attempts, outcome, error: verdict.ok ? undefined : oneLine(verdict.message) };
  }
}

function failed(
  verdict: Verdict,
  attempts: number,
  outcome: HttpOutcome | undefined,
  reason: string,
): CallResult {
  const message = verdict.ok ? 'no result' : oneLine(verdict.message);
  return {
    verdict,
    attempts,
    ...(outcome === undefined ? {} : { outcome }),
    error: `${message} (gave up after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${reason})`,
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
