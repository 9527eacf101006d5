// What every `npm run bench` scenario shares: the table of figures, the checks that make a run's
// figure INVALID rather than wrong, the fake's lifecycle, and one way to run the bundled action
// with the probe (scripts/peak-memory.cjs) that reports its pid, peak RSS and CPU time.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  FakeCloudflareApi,
  DEMO_ACCOUNT_ID,
  DEMO_TOKEN,
  type FakeApiOptions,
  type FakeServer,
  type RecordedRequest,
} from './fake-cloudflare-api.js';
import {
  ACTION_ENTRY,
  parseResults,
  runAction,
  type ActionRun,
  type ResultJson,
} from './run-action.js';

const PROBE_PRELOAD = fileURLToPath(new URL('./peak-memory.cjs', import.meta.url));

// ---------------------------------------------------------------------------------------------
// Reporting

export interface Row {
  figure: string;
  measured: string;
  target: string;
  /** undefined: informational, no target. */
  pass?: boolean;
  /** Set when a correctness check failed: the number means nothing. */
  invalid?: string;
}

export const rows: Row[] = [];

export function note(line: string): void {
  console.log(`  ${line}`);
}

function verdict(row: Row): string {
  if (row.invalid !== undefined) return 'INVALID';
  if (row.pass === undefined) return '-';
  return row.pass ? 'PASS' : 'FAIL <<<';
}

export function printTable(): void {
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

/** A figure that is a ratio with an upper target. */
export function ratioRow(figure: string, value: number, limit: number, detail = ''): void {
  rows.push({
    figure,
    measured: `${ratio(value)}${detail === '' ? '' : ` (${detail})`}`,
    target: `<= ${limit.toFixed(2)}`,
    pass: value <= limit,
  });
}

/** A figure with an upper target in the same unit as the measurement. */
export function limitRow(figure: string, value: number, limit: number, unit: Unit): void {
  rows.push({
    figure,
    measured: unit(value),
    target: `<= ${unit(limit)}`,
    pass: value <= limit,
  });
}

export type Unit = (value: number) => string;

export const ms: Unit = (value) => `${Math.round(value)} ms`;
export const ratio: Unit = (value) => value.toFixed(2);
export const mib: Unit = (kib) => `${(kib / 1024).toFixed(1)} MiB`;
export const kib: Unit = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;

// ---------------------------------------------------------------------------------------------
// Checks

export class InvalidRun extends Error {
  override name = 'InvalidRun';
}

export function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new InvalidRun(message);
}

/**
 * Runs a scenario; when one of its checks fails, its figures are entered as INVALID with the
 * reason, and the bench goes on with the next scenario.
 */
export async function guard(
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

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] ?? NaN)
    : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
}

export function countKinds(requests: readonly RecordedRequest[]): string {
  const counts = new Map<string, number>();
  for (const r of requests) counts.set(r.kind, (counts.get(r.kind) ?? 0) + 1);
  return [...counts].map(([kind, n]) => `${n} ${kind}`).join(', ');
}

// ---------------------------------------------------------------------------------------------
// The fake

export function serverIds(prefix: string, count: number): string[] {
  const width = Math.max(3, String(count).length);
  return Array.from({ length: count }, (_, i) => `${prefix}-${String(i + 1).padStart(width, '0')}`);
}

/** The tools a bench server holds unless its scenario says otherwise. */
const defaultTools = (id: string): string[] => [`${id}-tool`];

/** A server for each id, holding the default tools, with what the scenario adds. */
export function servers(ids: readonly string[], extra: Omit<FakeServer, 'id'> = {}): FakeServer[] {
  return ids.map((id) => ({ id, tools: defaultTools(id), prompts: [], ...extra }));
}

/** Starts a fresh fake for one scenario and always stops it. */
export async function withFake<T>(
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

export function baseInputs(url: string, serverId: string): Record<string, string> {
  return {
    'api-token': DEMO_TOKEN,
    'account-id': DEMO_ACCOUNT_ID,
    'api-base-url': url,
    'server-id': serverId,
  };
}

/** Polls until `ready` holds, or fails the run after `withinMs`. */
export async function waitUntil(
  what: string,
  ready: () => boolean,
  withinMs: number,
): Promise<void> {
  const end = performance.now() + withinMs;
  while (!ready()) {
    check(performance.now() < end, `${what} did not happen within ${ms(withinMs)}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

// ---------------------------------------------------------------------------------------------
// Running the action

export interface BenchRun extends ActionRun {
  /** Date.now() when the run's outputs had been read back, just after the process ended. */
  endedAt: number;
  /** Peak resident set size of the process, from the probe (NaN when it wrote none). */
  maxRssKb: number;
  /** User plus system CPU time of the process, from the probe (NaN when it wrote none). */
  cpuMs: number;
  /** The results-file the run wrote, as text; undefined when there was none. */
  resultsFile?: string;
}

export interface StartedRun {
  /** The process id once the probe has reported it. */
  pid(): number | undefined;
  done: Promise<BenchRun>;
}

interface ProbeReport {
  pid?: number;
  maxRssKb?: number;
  cpuMs?: number;
}

/**
 * Runs `node --require peak-memory.cjs <argv>` through runAction (the action by default), with
 * RUNNER_TEMP in a directory of its own that is removed afterwards, so that no results-file is
 * left behind.
 */
export function startRun(options: {
  inputs: Record<string, string>;
  argv?: readonly string[];
  killAfterMs?: number;
}): StartedRun {
  const dir = mkdtempSync(join(os.tmpdir(), 'mcp-sync-bench-'));
  const probeFile = join(dir, 'probe.json');
  const readProbe = (): ProbeReport => {
    try {
      return JSON.parse(readFileSync(probeFile, 'utf8')) as ProbeReport;
    } catch {
      // Not written yet, or being written: the caller polls again.
      return {};
    }
  };
  const done = (async (): Promise<BenchRun> => {
    try {
      const run = await runAction({
        argv: ['--require', PROBE_PRELOAD, ...(options.argv ?? [ACTION_ENTRY])],
        inputs: options.inputs,
        env: { BENCH_PROBE_FILE: probeFile, RUNNER_TEMP: dir },
        ...(options.killAfterMs === undefined ? {} : { killAfterMs: options.killAfterMs }),
      });
      const endedAt = Date.now();
      const probe = readProbe();
      const path = run.outputs['results-file'] ?? '';
      return {
        ...run,
        endedAt,
        maxRssKb: probe.maxRssKb ?? NaN,
        cpuMs: probe.cpuMs ?? NaN,
        ...(path.startsWith(dir) && existsSync(path)
          ? { resultsFile: readFileSync(path, 'utf8') }
          : {}),
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  })();
  return { pid: () => readProbe().pid, done };
}

export const runBench = (options: Parameters<typeof startRun>[0]): Promise<BenchRun> =>
  startRun(options).done;

/** Why a run's figure would mean nothing, for the checks' messages. */
export function runContext(label: string, run: ActionRun): string {
  return `${label}: exit ${run.exitCode}; stdout tail: ${run.stdout.slice(-400).replace(/\n/g, ' | ')}; stderr: ${run.stderr.slice(-200)}`;
}

export function parsedResults(label: string, run: ActionRun): ResultJson[] {
  let results: unknown;
  try {
    results = parseResults(run.outputs);
  } catch {
    throw new InvalidRun(`${label}: results output is not JSON`);
  }
  check(Array.isArray(results), `${label}: results output is not an array`);
  return results as ResultJson[];
}

/**
 * Checks that a run did what it was asked: exit 0, status ready, no error, the expected attempts,
 * one ready result per expected server with the tools the fake holds for it after the run, and
 * no warning or error annotation.
 */
export function verifyRun(
  label: string,
  run: ActionRun,
  ids: readonly string[],
  attempts: number,
  toolsAfter: (id: string) => string[] = defaultTools,
): void {
  const why = runContext(label, run);
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
  const results = parsedResults(label, run);
  check(
    results.length === ids.length,
    `${label}: ${results.length} results for ${ids.length} servers`,
  );
  const wanted = new Set(ids);
  for (const result of results) {
    check(wanted.delete(result.server_id), `${label}: unexpected or repeated ${result.server_id}`);
    check(result.status === 'ready', `${label}: ${result.server_id} is ${result.status}`);
    const expected = toolsAfter(result.server_id);
    check(
      JSON.stringify(result.tools) === JSON.stringify(expected),
      `${label}: tools of ${result.server_id} are ${JSON.stringify(result.tools)}, expected ${JSON.stringify(expected)}`,
    );
  }
  check(
    !/^::(warning|error)/m.test(run.stdout),
    `${label}: the run printed a warning or error annotation`,
  );
}

/** Checks the fake saw exactly one successful sync per server and nothing unexpected. */
export function verifySyncLog(
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
