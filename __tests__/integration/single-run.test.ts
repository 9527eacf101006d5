// run() from src/main.ts, in-process, syncing ONE server against the fake Cloudflare API, with
// the runner's plumbing (INPUT_* variables, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY) set up as on a
// runner. An injected random and, where the waits themselves are the subject, a virtual clock
// make the backoff and Retry-After rules exact without sleeping. Every run is checked for leaked
// credentials.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { apiError, type FakeCloudflareApi } from '../../scripts/fake-cloudflare-api.js';
import { inputVariable, parseOutputFile } from '../../scripts/run-action.js';
import type { Clock } from '../../src/clock.js';
import { run } from '../../src/main.js';
import {
  API_KEY,
  EMAIL,
  SECRETS,
  SERVER_ERROR_PREFIX,
  SERVER_ID,
  SYNC_PATH,
  TIME_CELL,
  TOKEN,
  annotations,
  attemptLines,
  credentialHeaders,
  expectNoCredentialLeak,
  masks,
  oneServerInputs,
  serverRow,
  startOneServerFake,
  synced,
  unavailable,
  type Inputs,
  type Observed,
} from '../support/harness.js';
import {
  INPUT_ERROR_CASES,
  PASTED_TOKEN,
  expectInputError,
  expectSyncedAtOnce,
  type OneServerRun,
} from '../support/one-server-checks.js';

// @actions/core's job summary remembers the first GITHUB_STEP_SUMMARY path it sees, so every test
// uses the same file (emptied before each) and a fresh GITHUB_OUTPUT file.
const workDir = mkdtempSync(join(tmpdir(), 'single-run-'));
const summaryFile = join(workDir, 'step-summary.md');
let outputCount = 0;
let savedEnv: Record<string, string | undefined> = {};
let stdout = '';

beforeEach(() => {
  savedEnv = { ...process.env };
  // Credentials or inputs of whoever runs the tests must not reach the action.
  for (const name of Object.keys(process.env)) {
    if (/^(INPUT_|CLOUDFLARE_)/i.test(name)) delete process.env[name];
  }
  outputCount += 1;
  const outputFile = join(workDir, `output-${outputCount}`);
  writeFileSync(outputFile, '');
  writeFileSync(summaryFile, '');
  process.env.GITHUB_OUTPUT = outputFile;
  process.env.GITHUB_STEP_SUMMARY = summaryFile;
  stdout = '';
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  });
});

afterEach(() => {
  jest.restoreAllMocks();
  for (const name of Object.keys(process.env)) {
    if (!(name in savedEnv)) delete process.env[name];
  }
  Object.assign(process.env, savedEnv);
  // core.setFailed sets it; left at 1, it would fail the whole jest run.
  process.exitCode = undefined;
});

afterAll(() => rmSync(workDir, { recursive: true, force: true }));

interface RunOptions {
  /** Inputs on top of oneServerInputs; `undefined` leaves a default input out. */
  inputs?: Inputs;
  env?: Record<string, string>;
  clock?: Clock;
  random?: () => number;
  /** `::add-mask::` values the run may print besides SECRETS. */
  alsoMasked?: readonly string[];
}

/**
 * Runs the action in-process against `fake` with oneServerInputs, then checks that no credential
 * leaked. The exit code is the one the process would end with.
 */
async function runInProcess(
  fake: FakeCloudflareApi,
  { inputs = {}, env = {}, clock, random = () => 0.5, alsoMasked = [] }: RunOptions = {},
): Promise<OneServerRun> {
  for (const [name, value] of Object.entries(oneServerInputs(fake, inputs))) {
    process.env[inputVariable(name)] = value;
  }
  Object.assign(process.env, env);
  await run({ random, ...(clock === undefined ? {} : { clock }) });
  const observed: OneServerRun = {
    exitCode: process.exitCode === undefined ? 0 : Number(process.exitCode),
    stdout,
    outputs: parseOutputFile(readFileSync(process.env.GITHUB_OUTPUT ?? '', 'utf8')),
    summary: readFileSync(summaryFile, 'utf8'),
  };
  expectNoCredentialLeak(observed, alsoMasked);
  return observed;
}

/** Real time for requests, virtual time for waits: sleeping advances the clock at once. */
function virtualClock(): { clock: Clock; sleeps: number[] } {
  let offsetMs = 0;
  const sleeps: number[] = [];
  return {
    sleeps,
    clock: {
      now: () => Date.now() + offsetMs,
      sleep: (ms) => {
        sleeps.push(ms);
        offsetMs += Math.max(0, ms);
        return Promise.resolve();
      },
    },
  };
}

describe('run() in-process', () => {
  it('syncs one server: outputs, results, the attempt line, masking and the job summary', async () => {
    const fake = await startOneServerFake({ syncReplies: [synced('ready')] });
    const result = await runInProcess(fake);

    expectSyncedAtOnce(result);
    expect(masks(result, TOKEN)).toBe(true);
    expect(fake.requests.map((request) => request.kind)).toEqual(['sync', 'read']);
  });

  it('a failure sets the exit code, the outputs, an ::error annotation and the summary row', async () => {
    const fake = await startOneServerFake({ token: 'cfut_the_account_expects_another_token' });
    const result = await runInProcess(fake);

    expect(result.exitCode).toBe(1);
    expect(result.outputs).toMatchObject({
      status: 'error',
      error: 'HTTP 403: Authentication error (10000)',
      retryable: 'false',
      attempts: '1',
    });
    expect(annotations(result, 'error')).toEqual([
      `${SERVER_ERROR_PREFIX}HTTP 403: Authentication error (10000)`,
      `::error::1 of 1 MCP server failed to sync: ${SERVER_ID}`,
    ]);
    expect(serverRow(result.summary)).toEqual([
      SERVER_ID,
      '❌ error',
      '1',
      expect.stringMatching(TIME_CELL),
      '–',
      '–',
      'HTTP 403: Authentication error (10000)',
    ]);
  });

  it('an input wins over its CLOUDFLARE_* fallback', async () => {
    const fake = await startOneServerFake();
    const result = await runInProcess(fake, {
      env: {
        CLOUDFLARE_API_TOKEN: 'cfut_environment_token_not_meant_to_be_used',
        CLOUDFLARE_ACCOUNT_ID: 'ffffffffffffffffffffffffffffffff',
        CLOUDFLARE_EMAIL: EMAIL,
        CLOUDFLARE_API_KEY: API_KEY,
      },
    });

    expect(result.outputs).toMatchObject({ status: 'ready', attempts: '1' });
    expect(fake.syncs().map((request) => request.url)).toEqual([SYNC_PATH]);
    expect(fake.requests.map(credentialHeaders)).toEqual([
      { authorization: 'Bearer <TOKEN>' },
      { authorization: 'Bearer <TOKEN>' },
    ]);
  });
});

describe('waits, on a virtual clock', () => {
  it.each([
    {
      rule: 'doubles from base-delay-seconds',
      random: () => 0,
      inputs: { 'base-delay-seconds': '0.1' },
      waits: [100, 200, 400, 800],
      logged: ['0.1 s', '0.2 s', '0.4 s', '0.8 s'],
    },
    {
      rule: 'is capped by max-delay-seconds',
      random: () => 0,
      inputs: { 'base-delay-seconds': '0.1', 'max-delay-seconds': '0.25' },
      waits: [100, 200, 250, 250],
      logged: ['0.1 s', '0.2 s', '0.3 s', '0.3 s'],
    },
  ])('backoff $rule', async ({ random, inputs, waits, logged }) => {
    const { clock, sleeps } = virtualClock();
    const fake = await startOneServerFake({
      syncReplies: Array.from({ length: 5 }, () => unavailable()),
    });
    const result = await runInProcess(fake, {
      clock,
      random,
      inputs: { ...inputs, 'max-attempts': '5' },
    });

    expect(sleeps).toEqual(waits);
    expect(fake.syncs()).toHaveLength(5);
    expect(result.outputs.attempts).toBe('5');
    expect(result.outputs.error).toContain('max-attempts (5) used up');
    expect(attemptLines(result).map((line) => /waiting (.*) \(backoff\)$/.exec(line)?.[1])).toEqual(
      [...logged, undefined],
    );
  });

  it('backoff jitter shortens a wait by at most a quarter, never below base-delay-seconds', async () => {
    const { clock, sleeps } = virtualClock();
    const fake = await startOneServerFake({
      syncReplies: Array.from({ length: 5 }, () => unavailable()),
    });
    await runInProcess(fake, {
      clock,
      random: () => 0.999,
      inputs: { 'base-delay-seconds': '0.1', 'max-attempts': '5' },
    });

    const nominal = [100, 200, 400, 800];
    expect(sleeps).toHaveLength(nominal.length);
    sleeps.forEach((wait, index) => {
      const full = nominal[index] ?? NaN;
      expect(wait).toBeGreaterThanOrEqual(Math.max(100, full * 0.75));
      expect(wait).toBeLessThanOrEqual(full);
    });
    expect(sleeps.slice(1)).not.toEqual(nominal.slice(1));
  });

  it.each<{
    name: string;
    status: number;
    header: Record<string, string>;
    inputs?: Record<string, string>;
    waitMs: number;
  }>([
    { name: '503, Retry-After: 2', status: 503, header: { 'retry-after': '2' }, waitMs: 2000 },
    {
      name: '503, retry-after-ms: 700',
      status: 503,
      header: { 'retry-after-ms': '700' },
      waitMs: 700,
    },
    {
      name: '503, Retry-After: 7, above max-delay-seconds 1',
      status: 503,
      header: { 'retry-after': '7' },
      inputs: { 'max-delay-seconds': '1' },
      waitMs: 7000,
    },
    { name: '429, Retry-After: 2', status: 429, header: { 'retry-after': '2' }, waitMs: 2000 },
    {
      name: '429, retry-after-ms: 700',
      status: 429,
      header: { 'retry-after-ms': '700' },
      waitMs: 700,
    },
  ])(
    '$name: waits exactly what was asked, then syncs',
    async ({ header, status, waitMs, inputs }) => {
      const { clock, sleeps } = virtualClock();
      const fake = await startOneServerFake({
        syncReplies: [apiError(status, 10_000 + status, 'Slow down', header), synced()],
      });
      const result = await runInProcess(fake, { clock, inputs: inputs ?? {} });

      expect(result.outputs).toMatchObject({ status: 'ready', error: '', attempts: '2' });
      expect(sleeps).toEqual([waitMs]);
      expect(attemptLines(result)[0]).toMatch(/; waiting \d+(\.\d)? s \(retry-after\)$/);
    },
  );

  it('a Retry-After that would end past timeout-seconds is not waited for', async () => {
    const { clock, sleeps } = virtualClock();
    const fake = await startOneServerFake({
      syncReplies: Array.from({ length: 5 }, () => unavailable({ 'retry-after': '5' })),
    });
    const result = await runInProcess(fake, {
      clock,
      inputs: { 'timeout-seconds': '3', 'max-attempts': '5' },
    });

    expect(sleeps).toEqual([]);
    expect(fake.syncs()).toHaveLength(1);
    expect(result.exitCode).toBe(1);
    expect(result.outputs).toMatchObject({ status: 'error', attempts: '1', retryable: 'true' });
    expect(result.outputs.error).toContain(
      '(gave up after 1 attempt: timeout-seconds (3.0 s) would pass during the next wait)',
    );
  });
});

describe('bad inputs fail the step before any request', () => {
  it.each(INPUT_ERROR_CASES)('$input: $expected', async (inputError) => {
    const fake = await startOneServerFake();
    const result = await runInProcess(fake, {
      inputs: inputError.inputs,
      alsoMasked: [PASTED_TOKEN],
    });

    expectInputError(result, fake, inputError);
  });
});

describe('the credential check itself', () => {
  it('catches a credential anywhere but an ::add-mask:: line, without printing it', () => {
    const leaky: Observed = {
      stdout: `::add-mask::${TOKEN}\nsync: sent Bearer ${TOKEN}\n`,
      outputs: { error: `bad key ${API_KEY}` },
      summary: `<td>${TOKEN.replaceAll('_', '&#95;')}</td>`,
    };
    let message = '';
    try {
      expectNoCredentialLeak(leaky);
    } catch (error) {
      message = error instanceof Error ? error.message : String(error);
    }
    expect(message).toContain('stdout line 2');
    expect(message).toContain('output error');
    expect(message).toContain('summary as rendered');
    expect(message).not.toContain('stdout line 1');
    expect(SECRETS.some((secret) => message.includes(secret))).toBe(false);
    expect(() =>
      expectNoCredentialLeak({ stdout: `::add-mask::${TOKEN}\n`, outputs: {}, summary: '' }),
    ).not.toThrow();
  });
});
