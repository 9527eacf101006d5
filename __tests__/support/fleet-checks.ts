// Shared by the fleet and hostile suites: run() from src/main.ts in-process with the runner's
// plumbing (INPUT_* variables, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, RUNNER_TEMP) set up as on a
// runner, so that coverage and mutation testing see what these suites test; and the full
// `results` entries they compare against. Nothing here prints a credential.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, jest } from '@jest/globals';
import type { FakeCloudflareApi } from '../../scripts/fake-cloudflare-api.js';
import { inputVariable, parseOutputFile } from '../../scripts/run-action.js';
import type { ActionRun, ResultJson } from '../../scripts/run-action.js';
import type { Clock } from '../../src/clock.js';
import { run } from '../../src/main.js';
import { baseInputs, type Api } from './harness.js';
import { SteppingClock } from './virtual-clock.js';

// @actions/core's job summary remembers the first GITHUB_STEP_SUMMARY path it sees, so every run
// of a test file writes the same file (emptied before each run) and a fresh GITHUB_OUTPUT file.
const workDir = mkdtempSync(join(tmpdir(), 'fleet-run-'));
const summaryFile = join(workDir, 'step-summary.md');
let runCount = 0;

afterAll(() => rmSync(workDir, { recursive: true, force: true }));

/** Where the clock of an in-process run starts: any fixed time far from 0 will do. */
export const CLOCK_START_MS = Date.UTC(2026, 0, 5, 9, 0, 0);

/** A clock that stands still but for the waits of the run, which cost no real time. */
export function steppingClock(): SteppingClock {
  return new SteppingClock(() => CLOCK_START_MS);
}

export interface InProcessOptions {
  /** Default: a fresh steppingClock(), so that durations and waits are exact. */
  clock?: Clock;
  /** Default: 0.5, a quarter of the jitter range. */
  random?: () => number;
  /** Environment on top of the runner's (CLOUDFLARE_* fallbacks, say). */
  env?: Record<string, string>;
}

/**
 * Runs run() against `api` with baseInputs and `inputs` on top ('' leaves an input unset), as
 * the bundled action would run on a runner: what it leaves behind in the shape of a run of
 * `node dist/index.js`, its exit code the one the process would end with.
 */
export async function runInProcess(
  api: Api,
  inputs: Record<string, string>,
  { clock = steppingClock(), random = () => 0.5, env = {} }: InProcessOptions = {},
): Promise<ActionRun> {
  runCount += 1;
  const outputFile = join(workDir, `output-${runCount}`);
  writeFileSync(outputFile, '');
  writeFileSync(summaryFile, '');
  const savedEnv = { ...process.env };
  // Credentials or inputs of whoever runs the tests must not reach the action.
  for (const name of Object.keys(process.env)) {
    if (/^(INPUT_|CLOUDFLARE_|RUNNER_TEMP$)/i.test(name)) delete process.env[name];
  }
  Object.assign(process.env, {
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    RUNNER_TEMP: mkdtempSync(join(workDir, 'runner-temp-')),
    ...env,
  });
  for (const [name, value] of Object.entries({ ...baseInputs(api), ...inputs })) {
    process.env[inputVariable(name)] = value;
  }
  let stdout = '';
  let stderr = '';
  const capture =
    (append: (text: string) => void) =>
    (chunk: string | Uint8Array): boolean => {
      append(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    };
  const out = jest.spyOn(process.stdout, 'write').mockImplementation(capture((t) => (stdout += t)));
  const err = jest.spyOn(process.stderr, 'write').mockImplementation(capture((t) => (stderr += t)));
  const started = performance.now();
  try {
    await run({ clock, random });
    return {
      exitCode: process.exitCode === undefined ? 0 : Number(process.exitCode),
      stdout,
      stderr,
      outputs: parseOutputFile(readFileSync(outputFile, 'utf8')),
      summary: readFileSync(summaryFile, 'utf8'),
      durationMs: performance.now() - started,
    };
  } finally {
    out.mockRestore();
    err.mockRestore();
    for (const name of Object.keys(process.env)) if (!(name in savedEnv)) delete process.env[name];
    Object.assign(process.env, savedEnv);
    // core.setFailed sets it; left at 1, it would fail the whole jest run.
    process.exitCode = undefined;
  }
}

/** The array in the file the `results-file` output names, which is never cut. */
export function resultsFileOf(run: Pick<ActionRun, 'outputs'>): ResultJson[] {
  const path = run.outputs['results-file'] ?? '';
  if (path === '') throw new Error('no results-file output');
  return JSON.parse(readFileSync(path, 'utf8')) as ResultJson[];
}

// ---------------------------------------------------------------------------------------------
// Expected `results` entries

export type Changes = NonNullable<ResultJson['changes']>;

/** What a sync that changed nothing reports. */
export const NO_CHANGES: Changes = {
  tools: { added: [], removed: [], changed: [] },
  prompts: { added: [], removed: [], changed: [] },
  breaking: [],
};

/** The cf-ray the fake sent with the last sync of `serverId`: what its result must carry. */
export function lastSyncRay(fake: FakeCloudflareApi, serverId: string): string | null {
  return fake.syncs(serverId).at(-1)?.responseHeaders?.['cf-ray'] ?? null;
}

/**
 * The whole `results` entry of a server of `fake` that synced as ready at once with nothing
 * changed, on a clock that stood still (duration 0), with `fields` on top. The ray id is the one
 * the fake sent with the server's last sync.
 */
export function expectedResult(
  fake: FakeCloudflareApi,
  serverId: string,
  fields: Partial<ResultJson> = {},
): ResultJson {
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

/** `METHOD path` of every request the fake received, in order. */
export function requestLines(fake: FakeCloudflareApi): string[] {
  return fake.requests.map((request) => `${request.method} ${request.url}`);
}
