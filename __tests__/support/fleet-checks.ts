// Shared by the fleet and hostile suites: runs of run() in-process against a fake (or any API
// root) on a clock that stands still but for the run's own waits, so that durations, waits and
// the watch are exact and cost no real time; and the whole `results` entry of a server, to
// compare results in full.
import type {
  FakeCloudflareApi,
  RecordedRequest,
  ScriptedReply,
} from '../../scripts/fake-cloudflare-api.js';
import type { Clock } from '../../src/clock.js';
import { NO_CHANGES, baseInputs, type Api, type Result } from './harness.js';
import { runInProcess, type InProcessRun } from './in-process.js';
import { SteppingClock } from './virtual-clock.js';

/** Where the clock of a fleet run starts: far from 0, so that no sum of times passes for a difference. */
const CLOCK_START_MS = Date.UTC(2026, 0, 5, 9, 0, 0);

/** A clock that stands still but for the run's waits, each of which moves it on at once. */
export function steppingClock(): SteppingClock {
  return new SteppingClock(() => CLOCK_START_MS);
}

export interface FleetRunOptions {
  /** Default: a fresh steppingClock(). */
  clock?: Clock;
  random?: () => number;
}

/**
 * Runs run() in-process against `api` with baseInputs and `inputs` on top ('' leaves an input
 * unset), on `clock`; in-process.ts checks that no credential leaked.
 */
export function runFleet(
  api: Api,
  inputs: Record<string, string>,
  { clock = steppingClock(), random }: FleetRunOptions = {},
): Promise<InProcessRun> {
  return runInProcess(
    { ...baseInputs(api), ...inputs },
    { clock, ...(random === undefined ? {} : { random }) },
  );
}

/** Which readings a reply bends: those before the run's first sync (Before), after it, or all. */
export type Phase = 'before' | 'after' | 'both';

/**
 * An `intercept` that answers the requests of `kind` in `phase` with `reply`, and leaves every
 * other request to the fake, so that one reading can fail while the other works.
 */
export function replyDuring(
  phase: Phase,
  kind: RecordedRequest['kind'],
  reply: ScriptedReply | ((request: RecordedRequest) => ScriptedReply),
): (request: RecordedRequest) => ScriptedReply | undefined {
  let synced = false;
  return (request) => {
    if (request.kind === 'sync') synced = true;
    if (request.kind !== kind || (phase !== 'both' && (phase === 'after') !== synced)) {
      return undefined;
    }
    return typeof reply === 'function' ? reply(request) : reply;
  };
}

/** The cf-ray the fake sent with the last sync of `serverId`, which its result must carry. */
export function lastSyncRay(fake: FakeCloudflareApi, serverId: string): string | null {
  return fake.syncs(serverId).at(-1)?.responseHeaders?.['cf-ray'] ?? null;
}

/**
 * The whole `results` entry of a server of `fake` that synced as ready at the first attempt,
 * changed nothing and offers no tools or prompts, on a clock that stood still (0 ms), with
 * `fields` on top. Its ray id is the one the fake sent with its last sync.
 */
export function expectedResult(
  fake: FakeCloudflareApi,
  serverId: string,
  fields: Partial<Result> = {},
): Result {
  return {
    server_id: serverId,
    status: 'ready',
    authentication_status: 'not_required',
    error: null,
    error_details: null,
    attempts: 1,
    duration_ms: 0,
    tools: [],
    prompts: [],
    changes: NO_CHANGES,
    ray_id: lastSyncRay(fake, serverId),
    ...fields,
  };
}

/** The results-file's array: every server, never cut. */
export function resultsFileOf(run: Pick<InProcessRun, 'resultsFile'>): Result[] {
  return JSON.parse(run.resultsFile) as Result[];
}
