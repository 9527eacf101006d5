// `npm run bench`: measures the bundled action (dist/index.js, run as a runner runs it) against
// the fake Cloudflare API on loopback, and prints one table of figures, each with its target and
// PASS/FAIL. It is a measurement, not a test: a missed target is printed, not thrown, and the
// exit code stays 0. What it does refuse is a number from a run that did not do its job: every
// run's outputs, exit code and the fake's request log are checked as it goes, and a run that
// fails a check marks its figure INVALID and makes the exit code 1, so a broken build cannot
// produce a good-looking figure.
//
// Every figure is a ratio of two things measured in this same run on this machine, or a count,
// a size or a time set by the contract or an issue (never a stored baseline but the one CPU
// figure that says so), so it means the same on a laptop and on a CI runner. The scenarios of the
// watch (issue 9) and of scale and cancellation (issue 10) live in bench-watch.ts and
// bench-scale.ts.
import { existsSync, readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { peakConcurrentSyncs, type RecordedRequest } from './fake-cloudflare-api.js';
import { ACTION_ENTRY } from './run-action.js';
import { cancellation, scaleTenThousand, scaleThousand } from './bench-scale.js';
import {
  baseInputs,
  check,
  countKinds,
  guard,
  median,
  mib,
  ms,
  note,
  printTable,
  ratio,
  ratioRow,
  rows,
  runBench,
  serverIds,
  servers,
  verifyRun,
  verifySyncLog,
  withFake,
  type BenchRun,
} from './bench-support.js';
import { longWait, shortWait } from './bench-watch.js';

const SRC_DIR = fileURLToPath(new URL('../src/', import.meta.url));

/** Runs of one ready server that define the cold start (median). */
const COLD_START_RUNS = 7;
/** Interleaved runs of each of the action and bare node for the start-up figure. */
const STARTUP_RUNS = 15;
/** Runs of the fleet scenario (median reported). */
const FLEET_RUNS = 3;

// ---------------------------------------------------------------------------------------------
// Cold start: one ready server, no delay (median of several). Issue 9: such a server costs
// exactly three requests, its Before reading, the sync and its After reading.

async function coldStart(): Promise<number> {
  console.log(
    `\n[cold start] node dist/index.js syncing one ready server, ${COLD_START_RUNS} runs`,
  );
  const ids = ['cold-start'];
  return withFake({ servers: servers(ids) }, async (api, url) => {
    const times: number[] = [];
    const sequences = new Set<string>();
    for (let i = 0; i < COLD_START_RUNS; i += 1) {
      const label = `cold start run ${i + 1}`;
      const before = api.requests.length;
      const run = await runBench({ inputs: baseInputs(url, 'cold-start') });
      verifyRun(label, run, ids, 1);
      const seen = api.requests.slice(before);
      verifySyncLog(label, seen, ids);
      sequences.add(seen.map((r) => r.kind).join(', '));
      times.push(run.durationMs);
    }
    const value = median(times);
    note(`runs: ${times.map((t) => Math.round(t)).join(', ')} ms -> median ${ms(value)}`);
    note(`requests of a run, in order: ${[...sequences].join(' / ')}`);
    rows.push({ figure: 'cold start (median)', measured: ms(value), target: '-' });
    const [only] = sequences;
    rows.push({
      figure: 'cold start requests (issue 9)',
      measured:
        sequences.size === 1 && only !== undefined
          ? `${only.split(', ').length} (${only})`
          : `varies: ${[...sequences].join(' / ')}`,
      target: '= 3 (read, sync, read)',
      pass: sequences.size === 1 && only === 'read, sync, read',
    });
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
  await withFake({ servers: servers(ids, { syncDelayMs: delay }) }, async (api, url) => {
    const times: number[] = [];
    for (let i = 0; i < FLEET_RUNS; i += 1) {
      const before = api.requests.length;
      const run = await runBench({
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
      note(
        `${label}: ${ms(run.durationMs)}, ${seen.length} requests (${countKinds(seen)}), peak ${peak} syncs at once`,
      );
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
// 2. Requests per server with `server-id: *`, Before and After readings included: at least the
// syncs, the list pages of Before (to the first page shorter than 100, so 3 pages for 200) and
// those of After (until every id is found, so 2 for 200): 42 for 40 servers, 205 for 200.

async function requestsPerServer(count: number, limit: number): Promise<void> {
  console.log(`\n[2 requests] server-id: * against ${count} servers (fake's default rate limit)`);
  const ids = serverIds('acct', count);
  await withFake({ servers: servers(ids) }, async (api, url) => {
    const run = await runBench({ inputs: baseInputs(url, '*') });
    const label = `* over ${count}`;
    verifyRun(label, run, ids, count);
    verifySyncLog(label, api.requests, ids);
    const kinds = countKinds(api.requests);
    note(`${label}: ${api.requests.length} requests (${kinds}), ${ms(run.durationMs)}`);
    rows.push({
      figure: `2 requests/server, * of ${count} (Before+After incl.)`,
      measured: `${(api.requests.length / count).toFixed(3)} (${api.requests.length})`,
      target: `<= ${limit.toFixed(2)}`,
      // Compared in whole requests so that 42/40 is not lost to floating point.
      pass: api.requests.length * 100 <= count * Math.round(limit * 100),
    });
  });
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
    { servers: servers(ids, { syncDelayMs: delay }), rateLimit: { limit, windowMs, penaltyMs } },
    async (api, url) => {
      const run = await runBench({
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
      // i.e. the syncs and the list pages of the Before and After readings.
      // At most `limit` of them fit in one window, so the run needs ceil(R / limit) windows and
      // must wait out all but the last one in full: (ceil(R / limit) - 1) x windowMs. The last
      // window only holds its own work: its rLast requests in waves of `concurrency`, each wave
      // taking at least the sync delay: ceil(rLast / concurrency) x delay. On top, the cold start
      // (process start, a read, a sync and a read, measured above). A perfect gate would reach this;
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
    const action: BenchRun[] = [];
    const bare: BenchRun[] = [];
    const bareNode = ['-e', '0'];
    // One unmeasured run of each warms the file cache, as a runner's second step would find it.
    await runBench({ inputs });
    await runBench({ inputs, argv: bareNode });
    const before = api.requests.length;
    for (let i = 0; i < STARTUP_RUNS; i += 1) {
      // Alternate which goes first so that neither always runs on a warmer machine.
      const pair = i % 2 === 0 ? ['action', 'bare'] : ['bare', 'action'];
      for (const which of pair) {
        if (which === 'action') {
          const run = await runBench({ inputs });
          verifyRun(`start-up action run ${i + 1}`, run, ids, 1);
          action.push(run);
        } else {
          const run = await runBench({ inputs, argv: bareNode });
          check(run.exitCode === 0, `bare node exited ${run.exitCode}`);
          bare.push(run);
        }
      }
    }
    // Every measured action run synced the one server once, and every request was answered 200
    // (how many requests a run takes is the figure of the cold start).
    const seen = api.requests.slice(before);
    const syncs = seen.filter(
      (r) => r.kind === 'sync' && r.serverId === 'startup' && r.status === 200,
    );
    check(
      syncs.length === STARTUP_RUNS,
      `start-up: ${syncs.length} syncs for ${STARTUP_RUNS} runs`,
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
    const actionMs = median(action.map((r) => r.durationMs));
    const bareMs = median(bare.map((r) => r.durationMs));
    const actionKb = median(action.map((r) => r.maxRssKb));
    const bareKb = median(bare.map((r) => r.maxRssKb));
    const actionPeakKb = Math.max(...action.map((r) => r.maxRssKb));
    note(`action wall: ${action.map((r) => Math.round(r.durationMs)).join(', ')} ms`);
    note(`bare wall:   ${bare.map((r) => Math.round(r.durationMs)).join(', ')} ms`);
    note(`maxRSS median: action ${mib(actionKb)} (max ${mib(actionPeakKb)}), bare ${mib(bareKb)}`);
    rows.push({
      figure: '4 start-up action / bare (median)',
      measured: `${ms(actionMs)} / ${ms(bareMs)}`,
      target: '-',
    });
    ratioRow('4 start-up ratio', actionMs / bareMs, 4);
    rows.push({
      figure: '4 peak RSS action / bare (median)',
      measured: `${mib(actionKb)} / ${mib(bareKb)}`,
      target: '-',
    });
    ratioRow('4 peak RSS ratio', actionKb / bareKb, 1.45);
  });
}

// ---------------------------------------------------------------------------------------------

/** The newest modification time of a file under `dir`, at any depth. */
function newestMtime(dir: string): number {
  return Math.max(
    0,
    ...readdirSync(dir, { withFileTypes: true }).map((entry) => {
      const path = join(dir, entry.name);
      return entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs;
    }),
  );
}

/** Other work on the machine slows every time and CPU figure: say how much there was. */
function loadAverage(): string {
  return `load average ${os
    .loadavg()
    .map((load) => load.toFixed(1))
    .join(' ')}`;
}

function distState(): string {
  if (!existsSync(ACTION_ENTRY)) return 'MISSING: run `npm run bundle` first';
  return newestMtime(SRC_DIR) > statSync(ACTION_ENTRY).mtimeMs
    ? 'OLDER than src/ (by mtime): the figures are for the last bundle, run `npm run bundle`'
    : 'newer than src/';
}

async function main(): Promise<void> {
  const started = performance.now();
  const cpus =
    typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  console.log(
    `bench: Node ${process.version}, ${cpus} CPU(s) (${os.cpus()[0]?.model ?? 'unknown model'}), ${os.platform()} ${os.arch()}, ${loadAverage()}`,
  );
  console.log(`dist/index.js: ${distState()}`);

  let cold = NaN;
  await guard(['cold start', 'cold start requests (issue 9)'], '= 3', async () => {
    cold = await coldStart();
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
  await guard(['2 requests/server, * of 40'], '<= 1.05', () => requestsPerServer(40, 1.05));
  await guard(['2 requests/server, * of 200'], '<= 1.03', () => requestsPerServer(200, 1.03));
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
  await guard(['5 ready after 3 s: sync -> exit'], '<= 8000 ms', shortWait);
  await guard(['5 ready after 20 s: (sync -> exit) / 20 s'], '<= 1.30', longWait);
  await guard(['6 1,000 servers: peak RSS'], 'info', scaleThousand);
  await guard(['6 10,000 servers: outputs, summary, RSS, CPU'], 'see issue 10', scaleTenThousand);
  await guard(['7 SIGINT -> exit (median)'], '<= 2000 ms', cancellation);

  console.log(
    `\n=== bench results (Node ${process.version}, ${cpus} CPU(s), ${((performance.now() - started) / 1000).toFixed(1)} s, ${loadAverage()}) ===`,
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
