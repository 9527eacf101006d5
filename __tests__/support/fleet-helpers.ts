// Shared by the fleet and hostile tests: fake accounts with several servers, runs of the bundled
// action against them, reply builders, and readers for what a run leaves behind (outputs, log
// lines, annotations, the job summary, the fake's request log).
import { afterEach } from '@jest/globals';
import {
  DEMO_ACCOUNT_ID,
  DEMO_TOKEN,
  FakeCloudflareApi,
  type FakeApiOptions,
  type RecordedRequest,
  type ScriptedReply,
} from '../../scripts/fake-cloudflare-api.js';
import { runAction, type ActionRun } from '../../scripts/run-action.js';

export const ACCOUNT_ID = DEMO_ACCOUNT_ID;
export const SERVERS_PATH = `/client/v4/accounts/${ACCOUNT_ID}/access/ai-controls/mcp/servers`;

// ---------------------------------------------------------------------------------------------
// Fakes and runs

/**
 * Registers an afterEach that stops every fake started through the returned function. Call once
 * per test file, at the top level. A fake listens on 127.0.0.1 unless given another host.
 */
export function useFakes(): (
  options?: FakeApiOptions,
  host?: string,
) => Promise<FakeCloudflareApi> {
  const started: FakeCloudflareApi[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((fake) => fake.stop()));
  });
  return async (options = {}, host = '127.0.0.1') => {
    const fake = new FakeCloudflareApi(options);
    started.push(fake);
    await fake.start(0, host);
    return fake;
  };
}

/**
 * Inputs every run starts from: the demo credentials, the fake's URL, and short waits so that
 * retries cost milliseconds. A test overrides any of them; '' leaves an input unset.
 */
export function baseInputs(fake: FakeCloudflareApi): Record<string, string> {
  return {
    'api-token': DEMO_TOKEN,
    'account-id': ACCOUNT_ID,
    'api-base-url': fake.baseUrl,
    'base-delay-seconds': '0.01',
    'max-delay-seconds': '0.05',
    'request-timeout-seconds': '5',
    'timeout-seconds': '30',
  };
}

/** Runs the bundled action against `fake`. */
export function runAgainst(
  fake: FakeCloudflareApi,
  inputs: Record<string, string>,
): Promise<ActionRun> {
  return runAction({ inputs: { ...baseInputs(fake), ...inputs }, killAfterMs: 60_000 });
}

// ---------------------------------------------------------------------------------------------
// Replies

export function envelope(result: unknown, extra: Record<string, unknown> = {}): unknown {
  return { success: true, errors: [], messages: [], result, ...extra };
}

/** A successful sync that reports `status`. */
export function syncedAs(status: string): ScriptedReply {
  return { status: 200, body: envelope({ status }) };
}

/** A list page holding `items` as they are, with `result_info` when given. */
export function listPage(items: unknown[], resultInfo?: Record<string, unknown>): ScriptedReply {
  return {
    status: 200,
    body: envelope(items, resultInfo === undefined ? {} : { result_info: resultInfo }),
  };
}

/** The `page` query parameter of a list request. */
export function pageOf(request: RecordedRequest): number {
  return Number(new URL(request.url, 'http://fake').searchParams.get('page'));
}

/** `count` distinct server ids: `prefix-01`, `prefix-02`, … */
export function serverIds(count: number, prefix = 'srv'): string[] {
  const width = String(count).length;
  return Array.from({ length: count }, (_, i) => `${prefix}-${String(i + 1).padStart(width, '0')}`);
}

// ---------------------------------------------------------------------------------------------
// The fake's request log

export function ofKind(fake: FakeCloudflareApi, kind: RecordedRequest['kind']): RecordedRequest[] {
  return fake.requests.filter((request) => request.kind === kind);
}

/** How many times each server was synced. */
export function syncCounts(fake: FakeCloudflareApi): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const request of ofKind(fake, 'sync')) {
    const id = request.serverId ?? '';
    counts[id] = (counts[id] ?? 0) + 1;
  }
  return counts;
}

/**
 * The most requests that were in the fake at once, each counted from its arrival for `holdMs`
 * (the reply delay the test scripted). A worker sends its next request only after the previous
 * reply, so with a fixed hold this counts the action's concurrent requests. A millisecond of slack
 * absorbs timers that fire a little early.
 */
export function maxInFlight(requests: readonly RecordedRequest[], holdMs: number): number {
  const events = requests.flatMap((request) => [
    { at: request.at, delta: 1 },
    { at: request.at + holdMs - 2, delta: -1 },
  ]);
  // Ends before starts at the same instant: back-to-back requests do not overlap.
  events.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let current = 0;
  let most = 0;
  for (const event of events) {
    current += event.delta;
    most = Math.max(most, current);
  }
  return most;
}

// ---------------------------------------------------------------------------------------------
// What a run leaves behind

export interface ResultJson {
  server_id: string;
  status: string;
  error: string | null;
  error_details: Record<string, unknown> | null;
  attempts: number;
  duration_ms: number;
  tools: string[] | null;
  prompts: string[] | null;
  ray_id: string | null;
}

export function resultsOf(run: ActionRun): ResultJson[] {
  return JSON.parse(run.outputs.results ?? 'null') as ResultJson[];
}

/** stdout split into lines, without the empty tail. */
export function logLines(run: ActionRun): string[] {
  return run.stdout.split('\n').filter((line) => line !== '');
}

/** Annotation lines of one kind: `::error::…`, `::error title=…::…`. */
export function annotations(run: ActionRun, kind: 'error' | 'warning' | 'notice'): string[] {
  return logLines(run).filter(
    (line) => line.startsWith(`::${kind}::`) || line.startsWith(`::${kind} `),
  );
}

/** The message of an annotation line, as the runner decodes it. */
export function annotationMessage(line: string): string {
  const end = line.indexOf('::', 2);
  return line
    .slice(end + 2)
    .replace(/%0D/g, '\r')
    .replace(/%0A/g, '\n')
    .replace(/%25/g, '%');
}

const NAMED_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"' };

/** Decodes the entities of summary HTML (tags are kept). */
export function decodeEntities(html: string): string {
  return html
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCodePoint(Number(code)))
    .replace(/&(amp|lt|gt|quot);/g, (_, name: string) => NAMED_ENTITIES[name] ?? '');
}

/** The job summary's table as rows of plain-text cells, the header row first. */
export function summaryRows(summary: string): string[][] {
  return [...summary.matchAll(/<tr>(.*?)<\/tr>/gs)].map((row) =>
    [...(row[1] ?? '').matchAll(/<t[hd]>(.*?)<\/t[hd]>/gs)].map((cell) =>
      decodeEntities((cell[1] ?? '').replace(/<[^>]+>/g, '')),
    ),
  );
}

/** What a Time cell looks like: `0.3 s`, `12 s`. */
export const TIME_CELL = /^\d+(\.\d)? s$/;
