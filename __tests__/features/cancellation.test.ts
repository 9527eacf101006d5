// A cancelled run (the runner's SIGINT, then SIGTERM; `timeout-minutes`), with real signals sent to
// the bundled action: no request is sent after the signal, those in flight are aborted, the
// outputs, summary and annotations say what was done, and the process exits non-zero. How fast it
// exits is the bench's to measure; here a generous kill timer only tells exiting from hanging.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import type { FakeCloudflareApi, FakeServer } from '../../scripts/fake-cloudflare-api.js';
import { ACTION_ENTRY, parseOutputFile, runnerFiles } from '../../scripts/run-action.js';
import { systemClock, type Clock } from '../../src/clock.js';
import { runInProcess } from '../support/in-process.js';
import {
  annotationMessage,
  annotations,
  baseInputs,
  expectNoCredentialLeak,
  logLines,
  resultsOf,
  serverRow,
  startFake,
  summaryParagraphs,
  type Observed,
} from '../support/harness.js';

/** Far past the 2 s the contract allows: reaching it means the action hung. */
const KILL_AFTER_MS = 20_000;

interface SignalledRun extends Observed {
  exitCode: number | null;
  /** The signal that ended the process, when one did (null when it exited by itself). */
  endSignal: NodeJS.Signals | null;
  stderr: string;
  resultsFile: string;
}

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/**
 * Starts the bundled action as a runner does; `signal` sends it a signal once `ready` says the
 * fake is in the state the test wants.
 */
function startAction(inputs: Record<string, string>): {
  signal: (name: NodeJS.Signals) => void;
  finished: Promise<SignalledRun>;
} {
  const dir = mkdtempSync(join(tmpdir(), 'cancel-run-'));
  dirs.push(dir);
  const { env, outputFile, summaryFile } = runnerFiles(dir, inputs);
  const child = spawn(process.execPath, [ACTION_ENTRY], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const killer = setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS);
  const finished = new Promise<SignalledRun>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (exitCode, endSignal) => {
      clearTimeout(killer);
      const outputs = parseOutputFile(readFileSync(outputFile, 'utf8'));
      const resultsPath = outputs['results-file'] ?? '';
      resolve({
        exitCode,
        endSignal,
        stdout,
        stderr,
        outputs,
        summary: readFileSync(summaryFile, 'utf8'),
        resultsFile: resultsPath.startsWith(dir) ? readFileSync(resultsPath, 'utf8') : '',
      });
    });
  });
  return { signal: (name) => child.kill(name), finished };
}

/** Resolves once `condition` holds; a waiting aid, never a measure of speed. */
async function until(condition: () => boolean, what: string): Promise<void> {
  const giveUpAt = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > giveUpAt) throw new Error(`never happened: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * Six servers at concurrency 3: two answer quickly, one never answers, two take a minute, and the
 * last is never reached before the signal.
 */
const FLEET: FakeServer[] = [
  { id: 'fast-a', tools: ['search_docs'], syncDelayMs: 20 },
  { id: 'fast-b', tools: ['search_docs'], syncDelayMs: 20 },
  { id: 'hung-mcp', tools: ['search_docs'], syncReplies: [{ fault: 'hang' }] },
  { id: 'slow-a', tools: ['search_docs'], syncDelayMs: 60_000 },
  { id: 'slow-b', tools: ['search_docs'], syncDelayMs: 60_000 },
  { id: 'never-mcp', tools: ['search_docs'] },
];

/** Once both fast syncs were answered and their workers moved on: five syncs, two answered. */
function inFlightAsPlanned(fake: FakeCloudflareApi): boolean {
  const syncs = fake.syncs();
  return (
    syncs.length === 5 &&
    syncs.filter((request) => request.serverId?.startsWith('fast-') && request.status === 200)
      .length === 2
  );
}

/** The inputs that sync FLEET three at a time. */
const fleetInputs = (fake: FakeCloudflareApi): Record<string, string> => ({
  ...baseInputs(fake),
  'server-id': FLEET.map((server) => server.id).join(','),
  concurrency: '3',
});

/** The error of a server whose sync a signal cut short. */
const cancelledBy = (signalName: NodeJS.Signals, id: string): string =>
  `the run was cancelled (${signalName}) before sync ${id} was answered`;

/** The outputs of FLEET cancelled by `signalName`: the four servers not answered fail. */
const cancelledOutputs = (signalName: NodeJS.Signals): Record<string, string> => ({
  status: 'error',
  attempts: '5',
  error: ['hung-mcp', 'slow-a', 'slow-b', 'never-mcp']
    .map((id) => `${id}: ${cancelledBy(signalName, id)}`)
    .join('\n'),
});

describe.each<NodeJS.Signals>(['SIGINT', 'SIGTERM'])('on %s', (signalName) => {
  it('sends nothing more, aborts what is in flight, reports everything and exits non-zero', async () => {
    const fake = await startFake({ servers: FLEET });
    const action = startAction(fleetInputs(fake));
    await until(() => inFlightAsPlanned(fake), 'five syncs sent, the two fast ones answered');
    const signalledAt = Date.now();
    action.signal(signalName);
    const run = await action.finished;

    expectNoCredentialLeak(run);
    expectNoCredentialLeak({
      stdout: '',
      outputs: { 'results-file': run.resultsFile },
      summary: '',
    });
    // It ended by itself, failing, before the kill timer.
    expect({ exitCode: run.exitCode, endSignal: run.endSignal }).toEqual({
      exitCode: 1,
      endSignal: null,
    });
    // No request reached the fake after the signal: not the sixth sync, not an After reading.
    expect(fake.requests.filter((request) => request.at > signalledAt)).toEqual([]);
    expect(fake.requests.map((request) => request.kind)).toEqual([
      'list',
      'sync',
      'sync',
      'sync',
      'sync',
      'sync',
    ]);

    expect(run.outputs).toMatchObject(cancelledOutputs(signalName));
    // The answered syncs keep what they said; their After reading was never sent.
    expect(
      resultsOf(run).map(({ server_id, status, error, attempts, tools, changes }) => ({
        server_id,
        status,
        error,
        attempts,
        tools,
        changes,
      })),
    ).toEqual([
      {
        server_id: 'fast-a',
        status: 'ready',
        error: null,
        attempts: 1,
        tools: null,
        changes: null,
      },
      {
        server_id: 'fast-b',
        status: 'ready',
        error: null,
        attempts: 1,
        tools: null,
        changes: null,
      },
      ...['hung-mcp', 'slow-a', 'slow-b'].map((id) => ({
        server_id: id,
        status: 'error',
        error: cancelledBy(signalName, id),
        attempts: 1,
        tools: null,
        changes: null,
      })),
      {
        server_id: 'never-mcp',
        status: 'error',
        error: cancelledBy(signalName, 'never-mcp'),
        attempts: 0,
        tools: null,
        changes: null,
      },
    ]);
    expect(JSON.parse(run.resultsFile)).toEqual(resultsOf(run));

    expect(annotations(run, 'error').map(annotationMessage)[0]).toBe(
      'the run was cancelled: 4 of 6 MCP servers failed to sync: hung-mcp, slow-a, slow-b, never-mcp',
    );
    expect(summaryParagraphs(run.summary)[0]).toBe(`⛔ The run was cancelled (${signalName})`);
    expect(serverRow(run.summary, 'never-mcp').slice(1, 3)).toEqual(['❌ error', '0']);
    expect(serverRow(run.summary, 'fast-a').slice(1, 3)).toEqual(['✅ ready', '1']);
  });
});

// The same cancel in-process, the signal emitted to run()'s own handler: what the bundle shows
// above, where coverage and mutation testing can see it.
describe('in-process, on SIGINT', () => {
  it('aborts what is in flight and fails every server not answered, keeping the answered ones', async () => {
    const fake = await startFake({ servers: FLEET });
    // Time limits far past the test's own: only aborting the syncs in flight ends this run.
    const running = runInProcess({
      ...fleetInputs(fake),
      'request-timeout-seconds': '600',
      'timeout-seconds': '1200',
    });
    await until(() => inFlightAsPlanned(fake), 'five syncs sent, the two fast ones answered');
    process.emit('SIGINT', 'SIGINT');
    const run = await running;

    expect(run.exitCode).toBe(1);
    expect(fake.requests.map((request) => request.kind)).toEqual([
      'list',
      ...Array<string>(5).fill('sync'),
    ]);
    expect(run.outputs).toMatchObject(cancelledOutputs('SIGINT'));
    expect(
      resultsOf(run).map(({ server_id, status, attempts }) => [server_id, status, attempts]),
    ).toEqual([
      ['fast-a', 'ready', 1],
      ['fast-b', 'ready', 1],
      ['hung-mcp', 'error', 1],
      ['slow-a', 'error', 1],
      ['slow-b', 'error', 1],
      ['never-mcp', 'error', 0],
    ]);
    expect(annotations(run, 'error').map(annotationMessage)[0]).toBe(
      'the run was cancelled: 4 of 6 MCP servers failed to sync: hung-mcp, slow-a, slow-b, never-mcp',
    );
    expect(summaryParagraphs(run.summary)[0]).toBe('⛔ The run was cancelled (SIGINT)');
    expect(logLines(run).filter((line) => line.startsWith('sync hung-mcp: attempt 1/'))).toEqual([
      expect.stringContaining(', retryable: request aborted: the run was cancelled; '),
    ]);
  });

  it('leaves no signal handler behind once run() returns', async () => {
    const handlers = (): number[] =>
      (['SIGINT', 'SIGTERM'] as const).map((name) => process.listenerCount(name));
    const before = handlers();
    const fake = await startFake({ servers: [{ id: 'fast-a', tools: ['search_docs'] }] });
    const run = await runInProcess({ ...baseInputs(fake), 'server-id': 'fast-a' });
    expect(run.exitCode).toBe(0);
    expect(handlers()).toEqual(before);
  });

  it('fails the servers waiting for the rate-limit window as cancelled, not as out of time', async () => {
    const fake = await startFake({
      servers: [
        { id: 'first-mcp', tools: ['search_docs'] },
        { id: 'second-mcp', tools: ['search_docs'] },
      ],
      rateLimit: { limit: 1, windowMs: 60_000, penaltyMs: 0 },
    });
    // The real clock, telling when a worker has begun to wait out the window.
    let windowWaits = 0;
    const clock: Clock = {
      now: () => systemClock.now(),
      sleep: (ms, signal) => {
        if (ms > 1000) windowWaits += 1;
        return systemClock.sleep(ms, signal);
      },
    };
    const running = runInProcess(
      { ...baseInputs(fake), 'server-id': 'first-mcp,second-mcp', 'timeout-seconds': '1200' },
      { clock },
    );
    await until(() => windowWaits > 0, 'a request waiting for the next rate-limit window');
    process.emit('SIGINT', 'SIGINT');
    const run = await running;

    expect(run.exitCode).toBe(1);
    expect(fake.requests.map((request) => request.kind)).toEqual(['list']);
    expect(run.outputs.error).toBe(
      ['first-mcp', 'second-mcp'].map((id) => `${id}: ${cancelledBy('SIGINT', id)}`).join('\n'),
    );
  });
});
