// The After reading of every synced server, and the watch of those still `waiting`: read again at
// an interval growing from 1 s to at most 10 s, until they leave `waiting` or time runs out. A
// fleet is read through list pages (or its portal), never one request per server.
import type { CloudflareApi } from '../api/cloudflare-api.js';
import type { ServerState } from '../api/server-object.js';
import { readServers, type ReadSource } from '../readings/readings.js';
import type { RetryContext } from '../retry/retry-loop.js';
import { statusOfReading } from '../server/server-verdict.js';

const FIRST_WATCH_INTERVAL_MS = 1000;
const MAX_WATCH_INTERVAL_MS = 10_000;

export interface AfterReadings {
  states: Map<string, ServerState>;
  unread: Map<string, string>;
  /** For each server the watch saw `waiting`: how long after its sync it last saw it. */
  waitedMs: Map<string, number>;
  warnings: string[];
}

/**
 * `answeredAt`: each synced server with the time its sync answered; `waiting`: those that
 * answered `waiting` (with wait-for-ready on; otherwise none).
 */
export async function readAfter(
  answeredAt: ReadonlyMap<string, number>,
  waiting: ReadonlySet<string>,
  source: ReadSource,
  api: CloudflareApi,
  context: RetryContext,
): Promise<AfterReadings> {
  const after: AfterReadings = {
    states: new Map(),
    unread: new Map(),
    waitedMs: new Map(),
    warnings: [],
  };
  const { clock } = context;
  let toRead = [...answeredAt.keys()];
  let interval = FIRST_WATCH_INTERVAL_MS;
  // When every server is still connecting, reading at once would only say so again.
  if (
    toRead.length > 0 &&
    toRead.every((id) => waiting.has(id)) &&
    (await pause(interval, context))
  ) {
    interval = Math.min(interval * 2, MAX_WATCH_INTERVAL_MS);
  }
  while (toRead.length > 0) {
    const readings = await readServers(toRead, source, api, context);
    after.warnings.push(...readings.warnings);
    const readAt = clock.now();
    for (const id of toRead) {
      const state = readings.states.get(id);
      if (state !== undefined) {
        after.states.set(id, state);
        after.unread.delete(id);
      } else {
        // Kept beside an earlier reading too: a watch that ends on failed reads says so.
        after.unread.set(id, readings.unread.get(id) ?? 'not read');
      }
      if (waiting.has(id) && state !== undefined && statusOfReading(state) !== 'waiting') {
        after.waitedMs.set(id, readAt - (answeredAt.get(id) ?? readAt));
      }
    }
    // Still connecting, or not read at all since: looked at again while time allows.
    toRead = toRead.filter((id) => {
      const state = after.states.get(id);
      return waiting.has(id) && (state === undefined || statusOfReading(state) === 'waiting');
    });
    if (toRead.length === 0 || !(await pause(interval, context))) break;
    interval = Math.min(interval * 2, MAX_WATCH_INTERVAL_MS);
  }
  const end = clock.now();
  for (const id of waiting) {
    if (!after.waitedMs.has(id)) after.waitedMs.set(id, end - (answeredAt.get(id) ?? end));
  }
  return after;
}

/** Waits `ms` unless that would end past the deadline or the run stops; says whether it waited. */
async function pause(ms: number, context: RetryContext): Promise<boolean> {
  if (context.clock.now() + ms >= context.deadlineMs) return false;
  await context.clock.sleep(ms, context.runStop.signal);
  return !context.runStop.signal.aborted;
}
