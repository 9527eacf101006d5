// `npm run bench`: measures the bundled action (dist/index.js, run as a runner runs it) against
// the fake Cloudflare API on loopback, and prints one table of figures, each with its target and
// PASS/FAIL. It is a measurement, not a test: a missed target is printed, not thrown, and the
// exit code stays 0. What it does refuse is a number from a run that did not do its job: every
// run's outputs, exit code and the fake's request log are checked as it goes, and a run that
// fails a check marks its figure INVALID and makes the exit code 1, so a broken build cannot
// produce a good-looking figure.
//
// Every figure is a ratio of two things measured in this same run on this machine (never against
// a stored baseline), so it means the same on a laptop and on a CI runner.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DEMO_ACCOUNT_ID,
  DEMO_TOKEN,
  FakeCloudflareApi,
  peakConcurrentSyncs,
  type FakeApiOptions,
  type FakeServer,
  type RecordedRequest,
} from './fake-cloudflare-api.js';
import { ACTION_ENTRY, parseResults, runAction, type ResultJson } from './run-action.js';

const PEAK_MEMORY_PRELOAD = fileURLToPath(new URL('./peak-memory.cjs', import.meta.url));
const SRC_DIR = fileURLToPath(new URL('../src/', import.meta.url));

/** Runs of one ready server that define the cold start (median). */
const COLD_START_RUNS = 7;
/** Interleaved runs of each of the action and bare node for the start-up figure. */
const STARTUP_RUNS = 15;
/** Runs of the fleet scenario (median reported). */
const FLEET_RUNS = 3;

// ---------------------------------------------------------------------------------------------
// Reporting

interface Row {
  figure: string;
  measured: string;
  target: string;
  /** undefined: informational, no target. */
  pass?: boolean;
  /** Set when a correctness check failed: the number means nothing. */
  invalid?: string;
}

const rows: Row[] = [];
const notes: string[] = [];

function note(line: string): void {
  notes.push(line);
  console.log(`  ${line}`);
}

function verdict(row: Row): string {
  if (row.invalid !== undefined) return 'INVALID';
  if (row.pass === undefined) return '-';
  return row.pass ? 'PASS' : 'FAIL <<<';
}

function printTable(): void {
  const header: Row = { figure: 'figure', measured: 'measured', target: 'target' };
  const cells = [header, ...rows].map((row, i) => [
    row.figure,
    row.measured,
    row.target,
    i === 0 ? 'result' : verdict(row),
  ]);
  const widths = [0, 1, 2, 3].map((c) => Math.max(...cells.map((line) => (line[c] ?? '').length)));
  const format = (line: string[]): string =>
    line
      .map((cell, c) => cell.padEnd(widths[c] ?? 0))
      .join(' | ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('-+-');
  console.log(format(cells[0] ?? []));
  console.log(rule);
  for (const line of cells.slice(1)) console.log(format(line));
}

// ---------------------------------------------------------------------------------------------
// Helpers

class InvalidRun extends Error {
  override name = 'InvalidRun';
}

/** A figure that is a ratio with an upper target. */
function ratioRow(figure: string, value: number, limit: number): void {
  rows.push({
    figure,
    measured: ratio(value),
    target: `<= ${limit.toFixed(2)}`,
    pass: value <= limit,
  });
}

function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new InvalidRun(message);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] ?? NaN)
    : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
}

const ms = (value: number): string => `${Math.round(value)} ms`;
const ratio = (value: number): string => value.toFixed(2);

function serverIds(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}-${String(i + 1).padStart(3, '0')}`);
}

function servers(ids: readonly string[], syncDelayMs?: number): FakeServer[] {
  return ids.map((id) => ({
    id,
    tools: [`${id}-tool`],
    prompts: [],
    ...(syncDelayMs === undefined ? {} : { syncDelayMs }),
  }));
}

/** Starts a fresh fake for one scenario and always stops it. */
async function withFake<T>(
  options: FakeApiOptions,
  body: (api: FakeCloudflareApi, url: string) => Promise<T>,
): Promise<T> {
  const api = new FakeCloudflareApi(options);
  const url = await api.start();
  try {
    return await body(api, url);
  } finally {
    await api.stop();
  }
}

function baseInputs(url: string, serverId: string): Record<string, string> {
  return {
    'api-token': DEMO_TOKEN,
    'account-id': DEMO_ACCOUNT_ID,
    'api-base-url': url,
    'server-id': serverId,
  };
}

interface RunLike {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
}

/**
 * Checks that a run did what it was asked: exit 0, status ready, no error, the expected attempts,
 * one ready result per expected server with the tools the fake holds for it, and no warning or
 * error annotation.
 */
function verifyRun(label: string, run: RunLike, ids: readonly string[], attempts: number): void {
  const why = `${label}: exit ${run.exitCode}; stdout tail: ${run.stdout.slice(-400).replace(/\n/g, ' | ')}; stderr: ${run.stderr.slice(-200)}`;
  check(run.exitCode === 0, `exit code ${run.exitCode} (${why})`);
  check(
    run.outputs.status === 'ready',
    `status output ${JSON.stringify(run.outputs.status)} (${why})`,
  );
  check((run.outputs.error ?? '') === '', `error output ${JSON.stringify(run.outputs.error)}`);
  check(
    run.outputs.attempts === String(attempts),
    `${label}: attempts output ${JSON.stringify(run.outputs.attempts)}, expected ${attempts}`,
  );
  let results: ResultJson[];
  try {
    results = parseResults(run.outputs);
  } catch {
    throw new InvalidRun(`${label}: results output is not JSON`);
  }
  check(Array.isArray(results), `${label}: results output is not an array`);
  check(
    results.length === ids.length,
    `${label}: ${results.length} results for ${ids.length} servers`,
  );
  const wanted = new Set(ids);
  for (const result of results) {
    check(wanted.delete(result.server_id), `${label}: unexpected or repeated ${result.server_id}`);
    check(result.status === 'ready', `${label}: ${result.server_id} is ${result.status}`);
    check(
      result.tools?.length === 1 && result.tools[0] === `${result.server_id}-tool`,
      `${label}: tools of ${result.server_id} not read back (${JSON.stringify(result.tools)})`,
    );
  }
  check(
    !/^::(warning|error)/m.test(run.stdout),
    `${label}: the run printed a warning or error annotation`,
  );
}

/** Checks the fake saw exactly one successful sync per server and nothing unexpected. */
function verifySyncLog(
  label: string,
  requests: readonly RecordedRequest[],
  ids: readonly string[],
): void {
  const ok = requests.filter((r) => r.kind === 'sync' && r.status === 200);
  check(
    ok.length === ids.length,
    `${label}: fake answered ${ok.length} syncs with 200, expected ${ids.length}`,
  );
  const synced = new Set(ok.map((r) => r.serverId));
  check(
    synced.size === ids.length && ids.every((id) => synced.has(id)),
    `${label}: not every server was synced once`,
  );
  const other = requests.filter((r) => r.kind === 'other');
  check(other.length === 0, `${label}: ${other.length} request(s) to unknown routes`);
  const failed = requests.filter((r) => r.status !== 200 && r.status !== 429);
  check(failed.length === 0, `${label}: ${failed.length} request(s) answered neither 200 nor 429`);
}

async function guard(
  figures: string[],
  target: string,
  scenario: () => Promise<void>,
): Promise<void> {
  try {
    await scenario();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    console.log(`  INVALID: ${message}`);
    for (const figure of figures) rows.push({ figure, measured: 'n/a', target, invalid: message });
  }
}

// ---------------------------------------------------------------------------------------------
// Cold start: one ready server, no delay, as runAction measures it (median of several).

async function coldStart(): Promise<number> {
  console.log(
    `\n[cold start] node dist/index.js syncing one ready server, ${COLD_START_RUNS} runs`,
  );
  const ids = ['cold-start'];
  return withFake({ servers: servers(ids) }, async (api, url) => {
    const times: number[] = [];
    for (let i = 0; i < COLD_START_RUNS; i += 1) {
      const before = api.requests.length;
      const run = await runAction({ inputs: baseInputs(url, 'cold-start') });
      verifyRun(`cold start run ${i + 1}`, run, ids, 1);
      const seen = api.requests.slice(before);
      verifySyncLog(`cold start run ${i + 1}`, seen, ids);
      check(
        seen.length === 2,
        `cold start run ${i + 1}: ${seen.length} requests, expected sync + read`,
      );
      times.push(run.durationMs);
    }
    const value = median(times);
    note(`runs: ${times.map((t) => Math.round(t)).join(', ')} ms -> median ${ms(value)}`);
    return value;
  });
}

// ---------------------------------------------------------------------------------------------
// 1. Fleet throughput

async function fleetThroughput(cold: number): Promise<void> {
  const count = 48;
  const delay = 250;
  const concurrency = 8;
  const ids = serverIds('fleet', count);
  const rounds = Math.ceil(count / concurrency);
  const ideal = rounds * delay + cold;
  console.log(
    `\n[1 fleet] ${count} servers x ${delay} ms, concurrency ${concurrency}, explicit list, ${FLEET_RUNS} runs`,
  );
  await withFake({ servers: servers(ids, delay) }, async (api, url) => {
    const times: number[] = [];
    for (let i = 0; i < FLEET_RUNS; i += 1) {
      const before = api.requests.length;
      const run = await runAction({
        inputs: { ...baseInputs(url, ids.join(',')), concurrency: String(concurrency) },
      });
      const label = `fleet run ${i + 1}`;
      verifyRun(label, run, ids, count);
      const seen = api.requests.slice(before);
      verifySyncLog(label, seen, ids);
      const peak = peakConcurrentSyncs(seen);
      check(
        peak <= concurrency,
        `${label}: ${peak} syncs at once, more than concurrency ${concurrency}`,
      );
      note(`${label}: ${ms(run.durationMs)}, ${seen.length} requests, peak ${peak} syncs at once`);
      times.push(run.durationMs);
    }
    const measured = median(times);
    note(`ideal = ${rounds} rounds x ${delay} ms + cold start ${ms(cold)} = ${ms(ideal)}`);
    rows.push({
      figure: '1 fleet wall time (median)',
      measured: ms(measured),
      target: `ideal ${ms(ideal)}`,
    });
    ratioRow('1 fleet wall / ideal', measured / ideal, 1.1);
  });
}

// ---------------------------------------------------------------------------------------------
// 2. Requests per server with `server-id: *`

async function requestsPerServer(count: number, withTarget: boolean): Promise<void> {
  console.log(`\n[2 requests] server-id: * against ${count} servers (fake's default rate limit)`);
  const ids = serverIds('acct', count);
  await withFake({ servers: servers(ids) }, async (api, url) => {
    const run = await runAction({ inputs: baseInputs(url, '*') });
    const label = `* over ${count}`;
    verifyRun(label, run, ids, count);
    verifySyncLog(label, api.requests, ids);
    const kinds = countKinds(api.requests);
    note(`${label}: ${api.requests.length} requests (${kinds}), ${ms(run.durationMs)}`);
    const perServer = api.requests.length / count;
    rows.push({
      figure: `2 requests/server, * of ${count}`,
      measured: `${perServer.toFixed(3)} (${api.requests.length})`,
      target: withTarget ? '<= 1.05' : 'info',
      // Compared in whole requests so that 42/40 is not lost to floating point.
      ...(withTarget ? { pass: api.requests.length * 100 <= count * 105 } : {}),
    });
  });
}

function countKinds(requests: readonly RecordedRequest[]): string {
  const counts = new Map<string, number>();
  for (const r of requests) counts.set(r.kind, (counts.get(r.kind) ?? 0) + 1);
  return [...counts].map(([kind, n]) => `${n} ${kind}`).join(', ');
}

// ---------------------------------------------------------------------------------------------
// 3. Pacing under a tight rate limit

interface FakeWindow {
  start: number;
  /** Requests the fake counted in this window (answered or 429). */
  requests: number;
  tooMany: number;
  /** Requests answered 429 while blocked (after the window, during the penalty). */
  blocked: number;
  last: number;
}

/**
 * Replays the fake's fixed-window limiter over its request log (same timestamps, same rules:
 * a window starts at the first request at or after the previous window's end; past the limit
 * the client is blocked until the window's end plus the penalty), so the bench can show what
 * the gate actually sent per window.
 */
function replayWindows(
  requests: readonly RecordedRequest[],
  limit: number,
  windowMs: number,
  penaltyMs: number,
): FakeWindow[] {
  const windows: FakeWindow[] = [];
  let current: FakeWindow | undefined;
  let blockedUntil = 0;
  for (const r of requests) {
    if (r.at < blockedUntil) {
      if (current !== undefined) current.blocked += 1;
      continue;
    }
    if (current === undefined || r.at >= current.start + windowMs) {
      current = { start: r.at, requests: 0, tooMany: 0, blocked: 0, last: r.at };
      windows.push(current);
    }
    current.requests += 1;
    current.last = r.at;
    if (current.requests > limit) {
      current.tooMany += 1;
      blockedUntil = current.start + windowMs + penaltyMs;
    }
  }
  return windows;
}

async function pacing(cold: number): Promise<void> {
  const count = 40;
  const limit = 15;
  const windowMs = 2000;
  const penaltyMs = 3000;
  const concurrency = 8;
  const delay = 20;
  const ids = serverIds('paced', count);
  console.log(
    `\n[3 pacing] server-id: * over ${count} servers, limit ${limit}/${windowMs} ms (+${penaltyMs} ms penalty), ` +
      `concurrency ${concurrency}, sync ${delay} ms, base-delay-seconds 0.2`,
  );
  await withFake(
    { servers: servers(ids, delay), rateLimit: { limit, windowMs, penaltyMs } },
    async (api, url) => {
      const run = await runAction({
        inputs: {
          ...baseInputs(url, '*'),
          concurrency: String(concurrency),
          'base-delay-seconds': '0.2',
        },
      });
      const label = 'pacing';
      const syncs = api.requests.filter((r) => r.kind === 'sync').length;
      // A 429 on a sync costs an attempt; the outputs must count it.
      verifyRun(label, run, ids, syncs);
      verifySyncLog(label, api.requests, ids);

      // The paced ideal. R is what the run needs: every request the fake answered (not 429),
      // i.e. the syncs, the list page read for `*` and the list page read of tools and prompts.
      // At most `limit` of them fit in one window, so the run needs ceil(R / limit) windows and
      // must wait out all but the last one in full: (ceil(R / limit) - 1) x windowMs. The last
      // window only holds its own work: its rLast requests in waves of `concurrency`, each wave
      // taking at least the sync delay: ceil(rLast / concurrency) x delay. On top, the cold start
      // (process start, one sync and one read, measured above). A perfect gate would reach this;
      // every 429, every penalty and every wait past a window's real end shows up above it.
      const needed = api.requests.filter((r) => r.status !== 429).length;
      const windowsNeeded = Math.ceil(needed / limit);
      const rLast = needed - (windowsNeeded - 1) * limit;
      const lastWork = Math.ceil(rLast / concurrency) * delay;
      const ideal = (windowsNeeded - 1) * windowMs + lastWork + cold;
      note(
        `${label}: ${api.requests.length} requests (${countKinds(api.requests)}), ${api.tooManyRequests} answered 429, wall ${ms(run.durationMs)}`,
      );
      note(
        `paced ideal = (ceil(R/${limit}) - 1) x ${windowMs} ms + last window's work ceil(rLast/${concurrency}) x ${delay} ms + cold start`,
      );
      note(
        `            = (ceil(${needed}/${limit}) - 1) x ${windowMs} + ceil(${rLast}/${concurrency}) x ${delay} + ${Math.round(cold)} = ${ms(ideal)}` +
          `  (R = requests answered, not 429)`,
      );
      const first = api.requests[0]?.at ?? 0;
      const windows = replayWindows(api.requests, limit, windowMs, penaltyMs);
      note(
        'fake windows (t from the first request): start | counted | 429 past limit | 429 while blocked | last request | idle gap before the next window',
      );
      windows.forEach((w, i) => {
        const next = windows[i + 1];
        const gap = next === undefined ? '' : `${next.start - (w.start + windowMs)} ms`;
        note(
          `  w${i + 1}: t=${w.start - first} ms | ${w.requests} | ${w.tooMany} | ${w.blocked} | t=${w.last - first} ms | ${gap}`,
        );
      });
      const full = windows.slice(0, -1);
      const unused = full.reduce((sum, w) => sum + Math.max(0, limit - w.requests), 0);
      if (unused > 0) {
        note(
          `the gate left ${unused} of ${full.length * limit} slots unused in the ${full.length} window(s) before the last ` +
            `(${full.map((w) => w.requests).join(', ')} of ${limit} each): that, not the limit, stretched the run`,
        );
      }
      const runOverhead = run.durationMs - ((api.requests.at(-1)?.at ?? first) - first);
      note(`time outside the request span (start-up, exit): ${ms(runOverhead)}`);

      rows.push({
        figure: '3 pacing 429 responses',
        measured: String(api.tooManyRequests),
        target: '0',
        pass: api.tooManyRequests === 0,
      });
      rows.push({
        figure: '3 pacing wall / paced ideal',
        measured: `${ratio(run.durationMs / ideal)} (${ms(run.durationMs)} / ${ms(ideal)})`,
        target: '<= 1.30',
        pass: run.durationMs / ideal <= 1.3,
      });
    },
  );
}

// ---------------------------------------------------------------------------------------------
// 4. Start-up time and peak memory, action vs bare node, measured the same way

interface Spawned extends RunLike {
  wallMs: number;
  maxRssKb: number;
}

/**
 * Runs `node --require peak-memory.cjs <args>` the way runAction runs the action (bare
 * environment, INPUT_* variables, output files), timed from spawn to exit.
 */
async function spawnMeasured(
  args: readonly string[],
  inputs: Record<string, string>,
): Promise<Spawned> {
  const dir = mkdtempSync(join(os.tmpdir(), 'mcp-sync-bench-'));
  const rssFile = join(dir, 'maxrss');
  try {
    const run = await runAction({
      argv: ['--require', PEAK_MEMORY_PRELOAD, ...args],
      inputs,
      env: { BENCH_PEAK_RSS_FILE: rssFile },
    });
    const maxRssKb = existsSync(rssFile) ? Number(readFileSync(rssFile, 'utf8')) : NaN;
    return { ...run, wallMs: run.durationMs, maxRssKb };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function startup(): Promise<void> {
  console.log(
    `\n[4 start-up] node dist/index.js (one ready server) vs node -e 0, ${STARTUP_RUNS} interleaved runs each, ` +
      `peak RSS by preloading scripts/peak-memory.cjs into both`,
  );
  note(
    `/usr/bin/time ${existsSync('/usr/bin/time') ? 'is present but not used' : 'is absent'}: the preload works everywhere`,
  );
  const ids = ['startup'];
  await withFake({ servers: servers(ids) }, async (api, url) => {
    const inputs = baseInputs(url, 'startup');
    const action: Spawned[] = [];
    const bare: Spawned[] = [];
    // One unmeasured run of each warms the file cache, as a runner's second step would find it.
    await spawnMeasured([ACTION_ENTRY], inputs);
    await spawnMeasured(['-e', '0'], inputs);
    const before = api.requests.length;
    for (let i = 0; i < STARTUP_RUNS; i += 1) {
      // Alternate which goes first so that neither always runs on a warmer machine.
      const pair = i % 2 === 0 ? ['action', 'bare'] : ['bare', 'action'];
      for (const which of pair) {
        if (which === 'action') {
          const run = await spawnMeasured([ACTION_ENTRY], inputs);
          verifyRun(`start-up action run ${i + 1}`, run, ids, 1);
          action.push(run);
        } else {
          const run = await spawnMeasured(['-e', '0'], inputs);
          check(run.exitCode === 0, `bare node exited ${run.exitCode}`);
          bare.push(run);
        }
      }
    }
    // Every measured action run synced the one server once and read it once, all answered 200.
    const seen = api.requests.slice(before);
    const syncs = seen.filter(
      (r) => r.kind === 'sync' && r.serverId === 'startup' && r.status === 200,
    );
    check(
      syncs.length === STARTUP_RUNS,
      `start-up: ${syncs.length} syncs for ${STARTUP_RUNS} runs`,
    );
    check(
      seen.length === 2 * STARTUP_RUNS,
      `start-up: ${seen.length} requests, expected sync + read per run`,
    );
    check(
      seen.every((r) => r.status === 200),
      'start-up: a request was not answered 200',
    );
    for (const run of [...action, ...bare]) {
      check(
        Number.isFinite(run.maxRssKb) && run.maxRssKb > 0,
        'the peak-memory preload wrote no maxRSS',
      );
    }
    const actionMs = median(action.map((r) => r.wallMs));
    const bareMs = median(bare.map((r) => r.wallMs));
    const actionKb = median(action.map((r) => r.maxRssKb));
    const bareKb = median(bare.map((r) => r.maxRssKb));
    const actionPeakKb = Math.max(...action.map((r) => r.maxRssKb));
    note(`action wall: ${action.map((r) => Math.round(r.wallMs)).join(', ')} ms`);
    note(`bare wall:   ${bare.map((r) => Math.round(r.wallMs)).join(', ')} ms`);
    note(
      `maxRSS median: action ${(actionKb / 1024).toFixed(1)} MiB (max ${(actionPeakKb / 1024).toFixed(1)}), bare ${(bareKb / 1024).toFixed(1)} MiB`,
    );
    rows.push({
      figure: '4 start-up action / bare (median)',
      measured: `${ms(actionMs)} / ${ms(bareMs)}`,
      target: '-',
    });
    ratioRow('4 start-up ratio', actionMs / bareMs, 4);
    rows.push({
      figure: '4 peak RSS action / bare (median)',
      measured: `${(actionKb / 1024).toFixed(1)} / ${(bareKb / 1024).toFixed(1)} MiB`,
      target: '-',
    });
    ratioRow('4 peak RSS ratio', actionKb / bareKb, 1.45);
  });
}

// ---------------------------------------------------------------------------------------------

function distState(): string {
  if (!existsSync(ACTION_ENTRY)) return 'MISSING: run `npm run bundle` first';
  const built = statSync(ACTION_ENTRY).mtimeMs;
  const newest = Math.max(
    ...readdirSync(SRC_DIR).map((name) => statSync(join(SRC_DIR, name)).mtimeMs),
  );
  return newest > built
    ? 'OLDER than src/ (by mtime): the figures are for the last bundle, run `npm run bundle`'
    : 'newer than src/';
}

async function main(): Promise<void> {
  const started = performance.now();
  const cpus =
    typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  console.log(
    `bench: Node ${process.version}, ${cpus} CPU(s) (${os.cpus()[0]?.model ?? 'unknown model'}), ${os.platform()} ${os.arch()}`,
  );
  console.log(`dist/index.js: ${distState()}`);

  let cold = NaN;
  await guard(['cold start'], '-', async () => {
    cold = await coldStart();
    rows.push({ figure: 'cold start (median)', measured: ms(cold), target: '-' });
  });
  if (Number.isFinite(cold)) {
    await guard(['1 fleet wall / ideal'], '<= 1.10', () => fleetThroughput(cold));
  } else {
    rows.push({
      figure: '1 fleet wall / ideal',
      measured: 'n/a',
      target: '<= 1.10',
      invalid: 'no cold start',
    });
  }
  await guard(['2 requests/server, * of 40'], '<= 1.05', () => requestsPerServer(40, true));
  await guard(['2 requests/server, * of 200'], 'info', () => requestsPerServer(200, false));
  if (Number.isFinite(cold)) {
    await guard(['3 pacing 429 responses', '3 pacing wall / paced ideal'], '0 / <= 1.30', () =>
      pacing(cold),
    );
  } else {
    rows.push({
      figure: '3 pacing',
      measured: 'n/a',
      target: '0 / <= 1.30',
      invalid: 'no cold start',
    });
  }
  await guard(['4 start-up ratio', '4 peak RSS ratio'], '<= 4.00 / <= 1.45', startup);

  console.log(
    `\n=== bench results (Node ${process.version}, ${cpus} CPU(s), ${((performance.now() - started) / 1000).toFixed(1)} s) ===`,
  );
  printTable();
  const missed = rows.filter((row) => row.pass === false && row.invalid === undefined);
  const invalid = rows.filter((row) => row.invalid !== undefined);
  if (missed.length > 0) {
    console.log(`\nTARGET MISSED: ${missed.map((row) => row.figure).join('; ')}`);
  }
  if (invalid.length > 0) {
    console.log(
      `\nINVALID (a run failed its correctness checks; its figure is not a measurement):`,
    );
    for (const row of invalid) console.log(`  ${row.figure}: ${row.invalid}`);
    process.exitCode = 1;
  }
  if (missed.length === 0 && invalid.length === 0) console.log('\nall targets met');
}

await main();
