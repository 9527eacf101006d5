// The bundled action (`node dist/index.js`, as a runner starts it) syncing ONE server against the
// fake Cloudflare API: only what a real process shows. Start-up from the bundle, inputs and
// credentials from the environment, the output, summary and results files, exit codes, Node's own
// network errors, and a process that ends when timeout-seconds does. Every rule of the sync itself
// is pinned in-process, in single-run. Every run is checked for leaked credentials.
import { describe, expect, it } from '@jest/globals';
import { apiError } from '../../scripts/fake-cloudflare-api.js';
import { USER_AGENT } from '../../src/version.js';
import {
  ACCOUNT_ID,
  API_KEY,
  EMAIL,
  READ_PATH,
  SERVER_ERROR_PREFIX,
  SERVER_ID,
  SYNC_PATH,
  TOKEN,
  annotations,
  attemptLines,
  closedPortUrl,
  credentialHeaders,
  logLines,
  masks,
  onlyResult,
  requestLines,
  runOneServer,
  serverRow,
  startOneServerFake,
  synced,
  type BundledRun,
  type OneServerSetup,
} from '../support/harness.js';
import {
  INPUT_ERROR_CASES,
  expectInputError,
  expectSynced,
  expectSyncedAtOnce,
  expectTimed,
} from '../support/one-server-checks.js';

const READ = `GET ${READ_PATH}`;
const SYNC = `POST ${SYNC_PATH}`;
const OUTPUT_NAMES = [
  'attempts',
  'breaking-changes',
  'error',
  'error-details',
  'results',
  'results-file',
  'retryable',
  'status',
];

/** Asserts the process failed on SERVER_ID: exit 1, the failure message first, every output set. */
function expectFailedProcess(run: BundledRun, error: string | RegExp, attempts: number): void {
  expect(run.exitCode).toBe(1);
  expect(Object.keys(run.outputs).sort()).toEqual(OUTPUT_NAMES);
  expect(run.outputs).toMatchObject({ status: 'error', attempts: String(attempts) });
  expect(run.outputs.error).toMatch(error);
  const [failure, ...others] = annotations(run, 'error');
  expect(failure).toBe(`::error::1 of 1 MCP server failed to sync: ${SERVER_ID}`);
  expect(others).toEqual([expect.stringMatching(new RegExp(`^${SERVER_ERROR_PREFIX}`))]);
  expect(others[0]?.startsWith(`${SERVER_ERROR_PREFIX}${run.outputs.error ?? ''}`)).toBe(true);
  expect(serverRow(run.summary).slice(1, 3)).toEqual(['❌ error', String(attempts)]);
  expect(run.resultsFile).toBe(run.outputs.results);
  expectTimed(run);
}

describe('the bundled action, started as a runner starts it', () => {
  it('syncs one server: 3 requests, every output, the summary and the results-file', async () => {
    const fake = await startOneServerFake({ syncReplies: [synced('ready')] });
    const run = await runOneServer(fake);

    expectSyncedAtOnce(run);
    expect(run.stderr).toBe('');
    expect(Object.keys(run.outputs).sort()).toEqual(OUTPUT_NAMES);
    // Under RUNNER_TEMP (runOneServer reads it only from there), whole, and the same array.
    expect(run.resultsFile).toBe(run.outputs.results);
    expect(masks(run, TOKEN)).toBe(true);
    expect(logLines(run)).toContain('credentials: API token from the api-token input');
    expect(requestLines(fake)).toEqual([READ, SYNC, READ]);
    expect(fake.requests.map((request) => request.headers['user-agent'])).toEqual([
      USER_AGENT,
      USER_AGENT,
      USER_AGENT,
    ]);
  });
});

describe('credentials and the account from the environment', () => {
  it.each<{
    scheme: string;
    fakeAuth: OneServerSetup;
    env: Record<string, string>;
    sent: Record<string, string>;
  }>([
    {
      scheme: 'an API token',
      fakeAuth: {},
      env: { CLOUDFLARE_API_TOKEN: TOKEN, CLOUDFLARE_ACCOUNT_ID: ACCOUNT_ID },
      sent: { authorization: 'Bearer <TOKEN>' },
    },
    {
      scheme: 'email + Global API Key',
      fakeAuth: { email: EMAIL, key: API_KEY },
      env: {
        CLOUDFLARE_EMAIL: EMAIL,
        CLOUDFLARE_API_KEY: API_KEY,
        CLOUDFLARE_ACCOUNT_ID: ACCOUNT_ID,
      },
      sent: { 'x-auth-email': EMAIL, 'x-auth-key': '<API_KEY>' },
    },
  ])('falls back to the CLOUDFLARE_* environment for $scheme', async ({ fakeAuth, env, sent }) => {
    const fake = await startOneServerFake({ ...fakeAuth, syncReplies: [synced()] });
    const run = await runOneServer(fake, {
      // A runner passes an input the workflow leaves out as an empty string.
      inputs: { 'api-token': '', 'account-id': '' },
      env,
    });

    expectSyncedAtOnce(run);
    expect(fake.requests.map(credentialHeaders)).toEqual([sent, sent, sent]);
    expect(masks(run, 'x-auth-key' in sent ? API_KEY : TOKEN)).toBe(true);
  });

  it('api-email + api-key inputs beat a CLOUDFLARE_API_TOKEN another step left behind', async () => {
    const fake = await startOneServerFake({ email: EMAIL, key: API_KEY, syncReplies: [synced()] });
    const run = await runOneServer(fake, {
      inputs: { 'api-token': '', 'api-email': EMAIL, 'api-key': API_KEY },
      env: { CLOUDFLARE_API_TOKEN: TOKEN },
    });

    expectSyncedAtOnce(run);
    const sent = { 'x-auth-email': EMAIL, 'x-auth-key': '<API_KEY>' };
    expect(fake.requests.map(credentialHeaders)).toEqual([sent, sent, sent]);
    expect(logLines(run)).toContain(
      'credentials: Global API Key from the api-email and api-key inputs',
    );
    // The unused token is masked all the same.
    expect(masks(run, TOKEN)).toBe(true);
  });
});

describe("Node's own network errors, as a real process reports them", () => {
  it('a reset connection is retried, and the log names ECONNRESET', async () => {
    const fake = await startOneServerFake({ syncReplies: [{ fault: 'reset' }, synced()] });
    const run = await runOneServer(fake);

    expectSynced(run, 2);
    expect(attemptLines(run)[0]).toMatch(
      /^sync docs-mcp: attempt 1\/3: no HTTP response, retryable: network error: ECONNRESET: socket hang up; waiting 0\.1 s \(backoff\)$/,
    );
  });

  it('a refused connection fails the step with exit 1, naming ECONNREFUSED', async () => {
    const api = await closedPortUrl();
    const run = await runOneServer(api, { inputs: { 'max-attempts': '2' } });

    const port = new URL(api).port;
    expectFailedProcess(
      run,
      new RegExp(
        `^network error: connect ECONNREFUSED 127\\.0\\.0\\.1:${port} \\(gave up after 2 attempts: max-attempts \\(2\\) used up\\)$`,
      ),
      2,
    );
    expect(onlyResult(run)).toMatchObject({ changes: null, tools: null });
  });
});

describe('exit codes', () => {
  it('a failed sync exits 1 with every output written', async () => {
    const fake = await startOneServerFake({
      syncReplies: [apiError(422, 1004, 'MCP server is disabled')],
    });
    const run = await runOneServer(fake);

    expectFailedProcess(run, /^HTTP 422: MCP server is disabled \(1004\)$/, 1);
    expect(requestLines(fake)).toEqual([READ, SYNC]);
  });

  it('ends at the timeout-seconds deadline even while a request hangs, and exits promptly', async () => {
    const fake = await startOneServerFake({
      syncReplies: Array.from({ length: 10 }, () => ({ fault: 'hang' as const })),
    });
    const run = await runOneServer(fake, {
      inputs: { 'timeout-seconds': '2', 'request-timeout-seconds': '30', 'max-attempts': '5' },
    });

    expectFailedProcess(
      run,
      // The request may take only what the Before read left of timeout-seconds.
      /^no response within \d\.\d s \(gave up after 1 attempt: timeout-seconds \(2\.0 s\) would pass during the next wait\)$/,
      1,
    );
    expect(fake.syncs()).toHaveLength(1);
    // The deadline is 2 s; the process (start-up included) must end within about a second of it,
    // which also means it left no socket or timer holding the event loop open.
    expect(run.durationMs).toBeGreaterThanOrEqual(2000);
    expect(run.durationMs).toBeLessThan(3500);
  });
});

describe('bad inputs: the process exits 1 before any request', () => {
  it.each(INPUT_ERROR_CASES.filter((inputError) => inputError.bundled === true))(
    '$wrong',
    async (inputError) => {
      const fake = await startOneServerFake();
      const run = await runOneServer(fake, { inputs: inputError.inputs });

      expectInputError(run, fake, inputError);
    },
  );
});
