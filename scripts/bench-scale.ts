// `npm run bench`, issue 10: a big account through `server-id: *` (the outputs and the summary
// within GitHub's limits, peak memory, CPU time per server), and a cancelled run (how soon the
// action exits after SIGINT, with its outputs written).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  upstreamFailure,
  type FakeServer,
  type FakeTool,
  type RecordedRequest,
} from './fake-cloudflare-api.js';
import type { ResultJson } from './run-action.js';
import {
  baseInputs,
  check,
  countKinds,
  InvalidRun,
  kib,
  limitRow,
  median,
  mib,
  ms,
  note,
  parsedResults,
  rows,
  runBench,
  runContext,
  serverIds,
  servers,
  startRun,
  waitUntil,
  withFake,
  type BenchRun,
} from './bench-support.js';

const KIB = 1024;
/** The contract's limits ("Within GitHub's limits"), in UTF-8 bytes, each a strict upper bound. */
const OUTPUT_LIMITS = {
  results: 256 * KIB,
  error: 64 * KIB,
  'breaking-changes': 64 * KIB,
} as const;
const SUMMARY_LIMIT = 512 * KIB;
/** Issue 10: peak RSS of the action with 10,000 servers. */
const PEAK_RSS_LIMIT_KIB = 250 * KIB;
/**
 * Issue 10: CPU time per server "no worse than today's": today's is the bundle of the commit the
 * issue was measured on, run here over the same fleet, so that both figures come from this
 * machine. A clone without that commit (a shallow one) falls back on the figure the issue gave.
 */
const BASELINE = {
  commit: '176dfc3b37b1b46812f76482acafff76550d4f33',
  cpuPerServerMs: 0.45,
};

const BASELINE_NAME = BASELINE.commit.slice(0, 7);

/** Runs of each bundle for the CPU figure: the machines this runs on vary by a tenth run to run. */
const CPU_TURNS = 3;

const TOOLS_PER_SERVER = 30;

/** A tool as a real server describes it: a sentence and a schema with a required property. */
function tool(n: number): FakeTool {
  const name = `tool-${String(n).padStart(2, '0')}`;
  return {
    name,
    description: `Runs ${name} against the workspace and returns what it found, as JSON`,
    inputSchema: {
      type: 'object',
      properties: { query: { type: 'string' }, limit: { type: 'integer' } },
      required: ['query'],
    },
  };
}

const TOOLS = Array.from({ length: TOOLS_PER_SERVER }, (_, i) => tool(i + 1));
/** A deploy that removes the last three tools (three breaking changes) and adds a new one. */
const DEPLOYED_TOOLS = [...TOOLS.slice(0, -3), tool(TOOLS_PER_SERVER + 1)];

type Role = 'healthy' | 'failing' | 'breaking';

/**
 * One server in ten fails its sync (not retryable), one in ten gets a deploy with breaking
 * changes, so that at 10,000 servers `error`, `breaking-changes`, `results` and the summary all
 * have more to say than fits; the rest sync cleanly.
 */
const roleOf = (index: number): Role =>
  index % 10 === 0 ? 'failing' : index % 10 === 1 ? 'breaking' : 'healthy';

const FAILED_SYNC = upstreamFailure('Upstream MCP server answered 500 Internal Server Error', {
  retryable: false,
  status_code: 500,
});

function fleet(ids: readonly string[]): FakeServer[] {
  return ids.map((id, index) => {
    const server: FakeServer = { id, tools: TOOLS, prompts: [] };
    const role = roleOf(index);
    if (role === 'failing') return { ...server, syncReplies: [FAILED_SYNC] };
    return role === 'breaking' ? { ...server, afterSync: { tools: DEPLOYED_TOOLS } } : server;
  });
}

/** The mixed fleet, on a fake without a rate limit: what is measured is the action's own work. */
const scaleFake = (ids: readonly string[]) => ({
  servers: fleet(ids),
  rateLimit: { limit: 1_000_000_000, windowMs: 300_000, penaltyMs: 0 },
});

/** 1,000 servers: peak RSS beside that of 10,000, to show how memory grows. */
export async function scaleThousand(): Promise<void> {
  const run = await runScale(1000);
  rows.push({ figure: '6 1,000 servers: peak RSS', measured: mib(run.maxRssKb), target: 'info' });
  rows.push({
    figure: '6 1,000 servers: CPU per server',
    measured: cpuPerServer(run, 1000),
    target: 'info',
  });
}

/** 10,000 servers: every output and the summary within GitHub's limits, memory and CPU time. */
export async function scaleTenThousand(): Promise<void> {
  const count = 10_000;
  const baseline = baselineBundle();
  const runs: BenchRun[] = [];
  const baselineMs: number[] = [];
  // In turns, so that a machine that slows down part of the way slows both alike.
  for (let turn = 0; turn < CPU_TURNS; turn += 1) {
    runs.push(await runScale(count));
    if (baseline.entry !== undefined) baselineMs.push(await baselineRun(baseline.entry, count));
  }
  baseline.remove();
  const [run] = runs;
  if (run === undefined) return;
  for (const [name, limit] of Object.entries(OUTPUT_LIMITS)) {
    sizeRow(`6 10,000 servers: ${name} output`, utf8Bytes(run.outputs[name] ?? ''), limit);
  }
  sizeRow('6 10,000 servers: job summary', utf8Bytes(run.summary), SUMMARY_LIMIT);
  const peakRss = Math.max(...runs.map((each) => each.maxRssKb));
  limitRow(`6 10,000 servers: peak RSS (most of ${CPU_TURNS})`, peakRss, PEAK_RSS_LIMIT_KIB, mib);
  const perServer = median(runs.map((each) => each.cpuMs)) / count;
  const target =
    baselineMs.length > 0
      ? { ms: median(baselineMs) / count, from: `${BASELINE_NAME}, run in turns here` }
      : { ms: BASELINE.cpuPerServerMs, from: `issue 10's figure: no ${BASELINE_NAME} here` };
  rows.push({
    figure: `6 10,000 servers: CPU per server (median of ${CPU_TURNS})`,
    measured: `${perServer.toFixed(3)} ms`,
    target: `<= ${target.ms.toFixed(3)} ms (${target.from})`,
    pass: perServer <= target.ms,
  });
  rows.push({
    figure: '6 10,000 servers: wall time',
    measured: ms(run.durationMs),
    target: 'info',
  });
}

const utf8Bytes = (text: string): number => Buffer.byteLength(text, 'utf8');

const cpuPerServer = (run: BenchRun, count: number): string =>
  `${(run.cpuMs / count).toFixed(3)} ms (${ms(run.cpuMs)} user+sys)`;

/**
 * The bundle issue 10 was measured on, written from git history beside a package.json that says
 * it is an ES module, as its own did; no entry in a clone without that commit (a shallow one).
 */
function baselineBundle(): { entry?: string; remove: () => void } {
  let bundle: string;
  try {
    bundle = execFileSync('git', ['show', `${BASELINE.commit}:dist/index.js`], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } catch {
    note(`${BASELINE_NAME} is not in this clone: CPU time is compared with issue 10's figure`);
    return { remove: () => undefined };
  }
  const dir = mkdtempSync(join(os.tmpdir(), 'mcp-sync-baseline-'));
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
  writeFileSync(join(dir, 'index.js'), bundle);
  return {
    entry: join(dir, 'index.js'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The baseline bundle over the same fleet: its CPU time, once the fake saw every server synced. */
async function baselineRun(entry: string, count: number): Promise<number> {
  console.log(
    `\n[6 scale] the same fleet through the bundle of ${BASELINE_NAME}, as issue 10 measured it`,
  );
  return withFake(scaleFake(serverIds('big', count)), async (api, url) => {
    const run = await runBench({
      inputs: baseInputs(url, '*'),
      argv: [entry],
      killAfterMs: 280_000,
    });
    const syncs = api.requests.filter((r) => r.kind === 'sync').length;
    check(
      syncs === count && Number.isFinite(run.cpuMs),
      `baseline ${BASELINE_NAME}: the fake saw ${syncs} of ${count} syncs (${runContext(BASELINE_NAME, run)})`,
    );
    note(`${BASELINE_NAME}: ${ms(run.durationMs)}, CPU ${cpuPerServer(run, count)} a server`);
    return run.cpuMs;
  });
}

/** Runs `*` over `count` servers of the mixed fleet and checks what the run reported. */
async function runScale(count: number): Promise<BenchRun> {
  const label = `* of ${count.toLocaleString('en')}`;
  console.log(
    `\n[6 scale] server-id: * over ${count.toLocaleString('en')} servers with ${TOOLS_PER_SERVER} tools each ` +
      `(1 in 10 failing, 1 in 10 with a breaking deploy), fake without a rate limit, default concurrency`,
  );
  const ids = serverIds('big', count);
  const roles = new Map(ids.map((id, index) => [id, roleOf(index)]));
  return withFake(scaleFake(ids), async (api, url) => {
    const run = await runBench({ inputs: baseInputs(url, '*'), killAfterMs: 280_000 });
    verifyScaleRun(label, run, api.requests, roles);
    note(
      `${label}: ${ms(run.durationMs)}, ${api.requests.length} requests (${countKinds(api.requests)}), ` +
        `peak RSS ${mib(run.maxRssKb)}, CPU ${cpuPerServer(run, count)} a server`,
    );
    const sizes = [
      ...Object.keys(OUTPUT_LIMITS).map((name) => `${name} ${utf8Bytes(run.outputs[name] ?? '')}`),
      `summary ${utf8Bytes(run.summary)}`,
      `results-file ${utf8Bytes(run.resultsFile ?? '')}`,
    ];
    note(`${label}: bytes: ${sizes.join(', ')}`);
    return run;
  });
}

/** Sizes in bytes, since a size one byte under its limit and one at it both round to the same KiB. */
function sizeRow(figure: string, bytes: number, limit: number): void {
  rows.push({
    figure,
    measured: `${bytes} B (${kib(bytes)})`,
    target: `< ${limit} B (${kib(limit)})`,
    pass: bytes < limit,
  });
}

/**
 * The run reported every server once with the outcome its role calls for, in the results-file;
 * the fake synced each once; the probe measured the process.
 */
function verifyScaleRun(
  label: string,
  run: BenchRun,
  requests: readonly RecordedRequest[],
  roles: ReadonlyMap<string, Role>,
): void {
  const why = runContext(label, run);
  const count = roles.size;
  check(
    run.exitCode === 1,
    `exit code ${run.exitCode}, expected 1 for the failing servers (${why})`,
  );
  check(run.outputs.status === 'error', `${label}: status output ${run.outputs.status}`);
  check(
    run.outputs.attempts === String(count),
    `${label}: attempts output ${run.outputs.attempts}, expected ${count}`,
  );
  check(
    Number.isFinite(run.maxRssKb) && Number.isFinite(run.cpuMs),
    `${label}: the probe reported no peak RSS or CPU time`,
  );
  const syncs = requests.filter((r) => r.kind === 'sync');
  check(
    syncs.length === count && new Set(syncs.map((r) => r.serverId)).size === count,
    `${label}: the fake saw ${syncs.length} syncs, expected one for each of ${count} servers`,
  );
  check(
    requests.every((r) => r.kind !== 'other' && r.status === 200),
    `${label}: a request went to an unknown route or was not answered 200`,
  );
  const shown = parsedResults(label, run);
  check(
    shown.length > 0 && shown.length <= count,
    `${label}: results output holds ${shown.length}`,
  );
  check(run.resultsFile !== undefined, `${label}: no results-file under RUNNER_TEMP`);
  let all: (ResultJson & { changes?: { breaking: string[] } | null })[];
  try {
    all = JSON.parse(run.resultsFile) as typeof all;
  } catch {
    throw new InvalidRun(`${label}: results-file is not JSON`);
  }
  check(all.length === count, `${label}: results-file holds ${all.length} of ${count} servers`);
  const seen = new Set<string>();
  for (const result of all) {
    const role = roles.get(result.server_id);
    check(
      role !== undefined && !seen.has(result.server_id),
      `${label}: ${result.server_id} unexpected or repeated`,
    );
    seen.add(result.server_id);
    const breaking = result.changes?.breaking.length ?? 0;
    const expected =
      role === 'failing'
        ? result.status === 'error'
        : result.status === 'ready' &&
          result.tools?.length === (role === 'breaking' ? DEPLOYED_TOOLS : TOOLS).length &&
          breaking === (role === 'breaking' ? 3 : 0);
    check(
      expected,
      `${label}: ${role} server ${result.server_id} reported ${JSON.stringify(result).slice(0, 300)}`,
    );
  }
  for (const name of ['error', 'breaking-changes']) {
    check((run.outputs[name] ?? '') !== '', `${label}: ${name} output is empty`);
  }
}

// ---------------------------------------------------------------------------------------------
// Cancellation

const CANCEL_RUNS = 5;
const CANCEL_LIMIT_MS = 2000;
/** A request that reaches the fake this long after the signal was sent after it. */
const SIGNAL_GRACE_MS = 100;

export async function cancellation(): Promise<void> {
  const count = 50;
  const delay = 2000;
  const concurrency = 4;
  const ids = serverIds('slow', count);
  console.log(
    `\n[7 cancel] server-id: * over ${count} servers x ${delay} ms, concurrency ${concurrency}; ` +
      `SIGINT 1 s after the first sync reaches the fake, ${CANCEL_RUNS} runs`,
  );
  await withFake({ servers: servers(ids, { syncDelayMs: delay }) }, async (api, url) => {
    const times: number[] = [];
    for (let i = 0; i < CANCEL_RUNS; i += 1) {
      const label = `cancel run ${i + 1}`;
      const from = api.requests.length;
      const started = startRun({
        inputs: { ...baseInputs(url, '*'), concurrency: String(concurrency) },
      });
      const firstSync = (): RecordedRequest | undefined =>
        api.requests.slice(from).find((r) => r.kind === 'sync');
      await waitUntil(`${label}: a first sync`, () => firstSync() !== undefined, 15_000);
      const syncAt = firstSync()?.at ?? Date.now();
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, syncAt + 1000 - Date.now())));
      const pid = started.pid();
      check(pid !== undefined, `${label}: the probe reported no pid`);
      const signalAt = Date.now();
      process.kill(pid, 'SIGINT');
      const answered = new Set(
        api.requests
          .slice(from)
          .filter((r) => r.kind === 'sync' && r.status !== undefined)
          .map((r) => r.serverId),
      );
      const run = await started.done;
      const took = run.endedAt - signalAt;
      const seen = api.requests.slice(from);
      verifyCancelled(label, run, ids, answered, seen, signalAt);
      const cancelled = parsedResults(label, run).filter((r) => /cancel/i.test(r.error ?? ''));
      note(
        `${label}: exit ${run.exitCode} ${ms(took)} after SIGINT; ${seen.length} requests (${countKinds(seen)}), ` +
          `${cancelled.length} of ${count} servers cancelled`,
      );
      times.push(took);
    }
    limitRow(`7 SIGINT -> exit (median of ${CANCEL_RUNS})`, median(times), CANCEL_LIMIT_MS, ms);
  });
}

/**
 * Exit non-zero by the action's own hand (not killed by the signal), `status` `error`, every
 * server in `results` once, every server whose sync had not been answered `error` and
 * cancelled, a summary, and no request sent after the signal.
 */
function verifyCancelled(
  label: string,
  run: BenchRun,
  ids: readonly string[],
  answered: ReadonlySet<string | undefined>,
  requests: readonly RecordedRequest[],
  signalAt: number,
): void {
  const why = runContext(label, run);
  check(
    run.exitCode !== null && run.exitCode !== 0,
    `exit code ${run.exitCode}, expected non-zero from the action itself (${why})`,
  );
  check(
    run.outputs.status === 'error',
    `${label}: status output ${JSON.stringify(run.outputs.status)}`,
  );
  const results = parsedResults(label, run);
  check(
    results.length === ids.length && new Set(results.map((r) => r.server_id)).size === ids.length,
    `${label}: ${results.length} results for ${ids.length} servers`,
  );
  const unanswered = results.filter((r) => !answered.has(r.server_id));
  check(unanswered.length > 0, `${label}: every sync was answered before the signal`);
  const wrong = unanswered.find((r) => r.status !== 'error' || !/cancel/i.test(r.error ?? ''));
  check(
    wrong === undefined,
    `${label}: ${wrong?.server_id} ended ${wrong?.status} (${wrong?.error}), expected error: cancelled`,
  );
  check(run.summary.trim() !== '', `${label}: no job summary`);
  const late = requests.filter((r) => r.at > signalAt + SIGNAL_GRACE_MS);
  check(
    late.length === 0,
    `${label}: ${late.length} request(s) reached the fake more than ${SIGNAL_GRACE_MS} ms after SIGINT`,
  );
}
