// run() from src/main.ts, in-process, syncing ONE server against the fake Cloudflare API, with
// the runner's plumbing (INPUT_* variables, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, RUNNER_TEMP) set
// up as on a runner. This is where the one-server rules of the contract are pinned: the Before
// read, the sync and its retries, the watch, the After read, authentication, expected-tools,
// breaking changes, dry runs, and what the outputs, annotations and summary say about each.
//
// Time: unless a test is about real time (a hung request, the system clock), the clock stands
// still at T0 and moves only when the action sleeps, so every wait and every duration_ms is exact
// and costs nothing. An injected random fixes the backoff jitter. Every run is checked for leaked
// credentials.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  afterAll,
  afterEach,
  beforeAll,
  beforeEach,
  describe,
  expect,
  it,
  jest,
} from '@jest/globals';
import {
  apiError,
  upstreamFailure,
  type FakeCloudflareApi,
  type RecordedRequest,
  type ScriptedReply,
} from '../../scripts/fake-cloudflare-api.js';
import { inputVariable, parseOutputFile, type ResultJson } from '../../scripts/run-action.js';
import { systemClock, type Clock } from '../../src/clock.js';
import { run } from '../../src/main.js';
import { USER_AGENT } from '../../src/version.js';
import {
  ACCOUNT_ID,
  API_KEY,
  EMAIL,
  FULL_ERROR_DETAILS,
  NOT_FOUND_HINT,
  NO_CHANGES,
  PROMPTS,
  RAY_ID,
  READ_PATH,
  SECRETS,
  SERVERS_PATH,
  SERVER_ERROR_PREFIX,
  SERVER_ID,
  SUMMARY_COLUMNS,
  SYNC_PATH,
  TOKEN,
  TOOLS,
  annotations,
  attemptLines,
  closedPortUrl,
  credentialHeaders,
  edgeErrorPage,
  envelope,
  expectNoCredentialLeak,
  logLines,
  masks,
  onlyResult,
  oneServerInputs,
  readResultsFile,
  requestLines,
  serverRow,
  startFake,
  startOneServerFake,
  summaryParagraphs,
  summaryRows,
  synced,
  timeCell,
  unavailable,
  type Api,
  type ChangesJson,
  type Inputs,
  type Observed,
  type OneServerSetup,
} from '../support/harness.js';
import {
  INPUT_ERROR_CASES,
  PASTED_TOKEN,
  expectInputError,
  expectSynced,
  expectSyncedAtOnce,
  expectTimed,
  type OneServerRun,
} from '../support/one-server-checks.js';
import { SteppingClock } from '../support/virtual-clock.js';

// @actions/core's job summary remembers the first GITHUB_STEP_SUMMARY path it sees, so every test
// uses the same file (emptied before each) and a fresh GITHUB_OUTPUT file. Made in beforeAll, not
// on import: a run that filters out every test here runs neither beforeAll nor afterAll.
let workDir = '';
let summaryFile = '';
let outputCount = 0;
let savedEnv: Record<string, string | undefined> = {};
let stdout = '';

beforeAll(() => {
  workDir = mkdtempSync(join(tmpdir(), 'single-run-'));
  summaryFile = join(workDir, 'step-summary.md');
});

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
  process.env.RUNNER_TEMP = workDir;
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

/** Where the standing clock stands: a whole second, so that HTTP dates fall on it exactly. */
const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

/** A clock that stands at T0 and moves only when the action sleeps. */
function standingClock(): SteppingClock {
  return new SteppingClock(() => T0);
}

interface RunOptions {
  /** Inputs on top of oneServerInputs; `undefined` leaves a default input out. */
  inputs?: Inputs;
  env?: Record<string, string>;
  /** Default: a fresh standingClock(). */
  clock?: Clock;
  random?: () => number;
  /** `::add-mask::` values the run may print besides SECRETS. */
  alsoMasked?: readonly string[];
}

/**
 * Runs the action in-process against `api` with oneServerInputs, then checks that no credential
 * leaked. The exit code is the one the process would end with; `durationMs` is the run's time on
 * its own clock.
 */
async function runInProcess(
  api: Api,
  {
    inputs = {},
    env = {},
    clock = standingClock(),
    random = () => 0.5,
    alsoMasked = [],
  }: RunOptions = {},
): Promise<OneServerRun> {
  for (const [name, value] of Object.entries(oneServerInputs(api, inputs))) {
    process.env[inputVariable(name)] = value;
  }
  Object.assign(process.env, env);
  const startedMs = clock.now();
  await run({ random, clock });
  const outputs = parseOutputFile(readFileSync(process.env.GITHUB_OUTPUT ?? '', 'utf8'));
  const observed: OneServerRun = {
    exitCode: process.exitCode === undefined ? 0 : Number(process.exitCode),
    stdout,
    outputs,
    summary: readFileSync(summaryFile, 'utf8'),
    durationMs: clock.now() - startedMs,
    ...readResultsFile(outputs['results-file'], workDir),
  };
  expectNoCredentialLeak(observed, alsoMasked);
  return observed;
}

// The requests of a one-server run, as requestLines() gives them.
const READ = `GET ${READ_PATH}`;
const SYNC = `POST ${SYNC_PATH}`;
const LIST = `GET ${SERVERS_PATH}?page=1&per_page=100`;

const ADMIN_LOGIN_NEEDED =
  'an administrator must authenticate this MCP server in the Cloudflare dashboard (Zero Trust → Access → AI controls → MCP servers → the server → Authenticate) before it can sync';
const TOKEN_REFUSED = `the API token was refused: it needs the account permission MCP Portals Write on account ${ACCOUNT_ID} (Cloudflare dashboard → My Profile → API Tokens → edit the token → Permissions), and it must be active`;
const RAISE_MAX_ATTEMPTS = 'the upstream kept failing with retryable errors: raise max-attempts';
const FAILED = `::error::1 of 1 MCP server failed to sync: ${SERVER_ID}`;

/** A sync answered with HTTP 200 and `result` as it is. */
function syncAnswer(result: unknown): ScriptedReply {
  return { status: 200, headers: { 'cf-ray': RAY_ID }, body: envelope(result) };
}

/** SERVER_ID as the document's server object, for a scripted read. */
function serverObject(fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: SERVER_ID,
    name: SERVER_ID,
    hostname: `https://${SERVER_ID}.example.com/mcp`,
    auth_type: 'unauthenticated',
    authentication_status: 'not_required',
    status: 'ready',
    tools: TOOLS.map((name) => ({
      name,
      description: `${name} tool`,
      inputSchema: { type: 'object', properties: {} },
    })),
    prompts: PROMPTS.map((name) => ({ name, description: `${name} prompt` })),
    updated_tools: [],
    updated_prompts: [],
    ...fields,
  };
}

/** An `intercept` answering the reads that come after SERVER_ID's first sync with `reply`. */
function afterTheSync(
  reply: ScriptedReply,
): (request: RecordedRequest) => ScriptedReply | undefined {
  let synced = false;
  return (request) => {
    if (request.kind === 'sync') synced = true;
    return synced && request.kind === 'read' ? reply : undefined;
  };
}

/**
 * SERVER_ID's entry in `results` after a ready sync at the first attempt on the standing clock,
 * with `fields` on top.
 */
function resultWith(fields: Partial<ResultJson> = {}): ResultJson {
  return {
    server_id: SERVER_ID,
    status: 'ready',
    authentication_status: 'not_required',
    error: null,
    error_details: null,
    attempts: 1,
    duration_ms: 0,
    tools: TOOLS,
    prompts: PROMPTS,
    changes: NO_CHANGES,
    ray_id: RAY_ID,
    ...fields,
  };
}

/** The cf-ray of the fake's answer to the last sync: its own answers carry a random one. */
function lastSyncRay(fake: FakeCloudflareApi): string | null {
  return fake.syncs().at(-1)?.responseHeaders?.['cf-ray'] ?? null;
}

/** `changes` with these tool changes and breaking changes, and nothing else. */
function toolChanges(tools: Partial<ChangesJson['tools']>, breaking: string[] = []): ChangesJson {
  return { ...NO_CHANGES, tools: { ...NO_CHANGES.tools, ...tools }, breaking };
}

interface Failure {
  error: string;
  attempts: number;
  retryable: boolean;
  /** What the summary and the annotation tell the user to do. */
  hint?: string;
  /** The step's failure message, when not the plain `1 of 1 … failed`. */
  failure?: string;
  /**
   * The server's entry in `results` where it differs from that of a sync failed at once on the
   * standing clock, with no reading after it.
   */
  entry?: Partial<ResultJson>;
}

/**
 * Asserts a step that failed on SERVER_ID: exit 1, the outputs, the failure message as the FIRST
 * error annotation and the server's after it (with what to do), the summary's next step and row,
 * and the server's entry in `results`, in full.
 */
function expectFailed(result: OneServerRun, failure: Failure): ResultJson {
  const { error, attempts, retryable, hint } = failure;
  expect(result.outputs).toMatchObject({
    status: 'error',
    error,
    retryable: String(retryable),
    attempts: String(attempts),
  });
  expect(result.exitCode).toBe(1);
  const withHint = hint === undefined ? error : `${error} → ${hint}`;
  expect(annotations(result, 'error')).toEqual([
    failure.failure ?? FAILED,
    `${SERVER_ERROR_PREFIX}${withHint}`,
  ]);
  const row = serverRow(result.summary);
  expect(row.slice(1, 3)).toEqual(['❌ error', String(attempts)]);
  expect(row[7]).toBe(hint === undefined ? error : `${hint}\n${error}`);
  expect(summaryParagraphs(result.summary)).toContain(`Next: ${SERVER_ID}: ${hint ?? error}`);
  const entry = expectTimed(result);
  expect(entry).toEqual(
    resultWith({
      status: 'error',
      error,
      attempts,
      tools: null,
      prompts: null,
      changes: null,
      ray_id: null,
      ...failure.entry,
    }),
  );
  return entry;
}

describe('one ready server', () => {
  it('reads it, syncs it with no body, reads it again: 3 requests, reported ready everywhere', async () => {
    const fake = await startOneServerFake({ syncReplies: [synced('ready')] });
    const clock = standingClock();
    const result = await runInProcess(fake, { clock });

    expectSyncedAtOnce(result);
    expect(requestLines(fake)).toEqual([READ, SYNC, READ]);
    const [sync] = fake.syncs();
    expect(sync?.requestBody).toBe('');
    expect(sync?.headers['transfer-encoding']).toBeUndefined();
    // Kept alive: the read, the sync and the read again share one connection.
    expect(fake.connections).toBe(1);
    // JSON asked for every time; a length only where a body may be, the sync's empty one.
    expect(
      fake.requests.map(({ method, headers }) => [
        method,
        headers.accept,
        headers['content-length'],
      ]),
    ).toEqual([
      ['GET', 'application/json', undefined],
      ['POST', 'application/json', '0'],
      ['GET', 'application/json', undefined],
    ]);
    expect(fake.requests.map((request) => request.headers['user-agent'])).toEqual([
      USER_AGENT,
      USER_AGENT,
      USER_AGENT,
    ]);
    expect(masks(result, TOKEN)).toBe(true);
    expect(logLines(result)).toContain('credentials: API token from the api-token input');
    // Time stood still and nothing waited: the exact duration is 0.
    expect(clock.sleeps).toEqual([]);
    expect(onlyResult(result).duration_ms).toBe(0);
    expect(result.resultsFile).toBe(result.outputs.results);
  });

  it('on the system clock, duration_ms is a time the run could have spent', async () => {
    const fake = await startOneServerFake({ syncReplies: [synced('ready')] });
    const result = await runInProcess(fake, { clock: systemClock });

    // expectSyncedAtOnce holds duration_ms between 0 and the run's wall time, and the Time cell to it.
    expectSyncedAtOnce(result);
  });
});

describe('credentials', () => {
  const bearer = { authorization: 'Bearer <TOKEN>' };
  const legacy = { 'x-auth-email': EMAIL, 'x-auth-key': '<API_KEY>' };
  it.each<{
    name: string;
    fake: OneServerSetup;
    inputs: Inputs;
    env?: Record<string, string>;
    sent: Record<string, string>;
    source: string;
    masked: string[];
  }>([
    {
      name: 'api-token beats api-email + api-key (the key is masked all the same)',
      fake: {},
      inputs: { 'api-email': EMAIL, 'api-key': API_KEY },
      sent: bearer,
      source: 'API token from the api-token input',
      masked: [TOKEN, API_KEY],
    },
    {
      name: 'api-email + api-key go as X-Auth-Email / X-Auth-Key, without Authorization',
      fake: { email: EMAIL, key: API_KEY },
      inputs: { 'api-token': undefined, 'api-email': EMAIL, 'api-key': API_KEY },
      sent: legacy,
      source: 'Global API Key from the api-email and api-key inputs',
      masked: [API_KEY],
    },
    {
      name: 'a pasted "Bearer " prefix is stripped',
      fake: {},
      inputs: { 'api-token': `Bearer ${TOKEN}` },
      sent: bearer,
      source: 'API token from the api-token input',
      masked: [TOKEN],
    },
    {
      name: 'the api-token and account-id inputs beat every CLOUDFLARE_* variable',
      fake: {},
      inputs: {},
      env: {
        CLOUDFLARE_API_TOKEN: 'cfut_environment_token_not_meant_to_be_used',
        CLOUDFLARE_ACCOUNT_ID: 'ffffffffffffffffffffffffffffffff',
        CLOUDFLARE_EMAIL: EMAIL,
        CLOUDFLARE_API_KEY: API_KEY,
      },
      sent: bearer,
      source: 'API token from the api-token input',
      masked: [TOKEN],
    },
    {
      // Another step (wrangler, say) left a token in the environment.
      name: 'api-email + api-key inputs beat a CLOUDFLARE_API_TOKEN left in the environment',
      fake: { email: EMAIL, key: API_KEY },
      inputs: { 'api-token': undefined, 'api-email': EMAIL, 'api-key': API_KEY },
      env: { CLOUDFLARE_API_TOKEN: TOKEN },
      sent: legacy,
      source: 'Global API Key from the api-email and api-key inputs',
      masked: [API_KEY],
    },
  ])('$name', async ({ fake: setup, inputs, env, sent, source, masked }) => {
    const fake = await startOneServerFake({ ...setup, syncReplies: [synced()] });
    const result = await runInProcess(fake, {
      inputs,
      ...(env === undefined ? {} : { env }),
      alsoMasked: [`Bearer ${TOKEN}`],
    });

    expectSyncedAtOnce(result);
    expect(requestLines(fake)).toEqual([READ, SYNC, READ]);
    expect(fake.requests.map(credentialHeaders)).toEqual([sent, sent, sent]);
    expect(logLines(result)).toContain(`credentials: ${source}`);
    for (const secret of masked) expect(masks(result, secret)).toBe(true);
  });
});

describe('retried, then synced (attempts 2)', () => {
  const retryableOn400: ScriptedReply = {
    status: 400,
    body: {
      success: false,
      errors: [{ code: 1001, message: 'Upstream MCP server unreachable' }],
      messages: [],
      result: {
        status: 'error',
        error: 'Upstream MCP server unreachable',
        error_details: { is_upstream: true, retryable: true, status_code: 502 },
      },
    },
  };

  // base-delay-seconds 0.05 with random 0.5: the first backoff is 50 ms, logged as 0.1 s.
  it.each<{
    name: string;
    first: ScriptedReply;
    inputs?: Inputs;
    logged: string | RegExp;
    sleeps?: number[];
  }>([
    {
      name: 'a body with retryable: true on HTTP 200',
      first: upstreamFailure('Upstream MCP server timed out', {
        retryable: true,
        cause: 'timeout after 10s waiting for tools/list',
        status_code: 504,
      }),
      logged:
        'HTTP 200, retryable: Upstream MCP server timed out (cause: timeout after 10s waiting for tools/list)',
    },
    {
      name: 'a body with retryable: true on HTTP 400',
      first: retryableOn400,
      logged: 'HTTP 400, retryable: HTTP 400: Upstream MCP server unreachable (1001)',
    },
    ...[408, 409, 500, 502, 503].map((status) => ({
      name: `HTTP ${status}`,
      first: apiError(status, 10_000 + status, `Transient failure ${status}`),
      logged: `HTTP ${status}, retryable: HTTP ${status}: Transient failure ${status} (${10_000 + status})`,
    })),
    {
      // A 429 pauses every request for a second when it says nothing of how long.
      name: 'HTTP 429',
      first: apiError(429, 10_429, 'Transient failure 429'),
      logged: 'HTTP 429, retryable: HTTP 429: Transient failure 429 (10429)',
      sleeps: [50, 950],
    },
    ...[520, 522, 524].map((status) => ({
      name: `HTTP ${status} (Cloudflare's HTML error page)`,
      first: edgeErrorPage(status),
      logged: `HTTP ${status}, retryable: HTTP ${status}: no Cloudflare API response in the body`,
    })),
    {
      // Which network error shows only in a real process (single-dist): under jest, Node's errors
      // come from another realm than the action's `Error`.
      name: 'a connection reset',
      first: { fault: 'reset' },
      logged: /^no HTTP response, retryable: network error: /,
    },
    {
      name: 'a hung request (request-timeout-seconds 1)',
      first: { fault: 'hang' },
      inputs: { 'request-timeout-seconds': '1' },
      logged: 'no HTTP response, retryable: no response within 1.0 s',
    },
    {
      name: 'a truncated body',
      first: { fault: 'truncate' },
      logged: /^no HTTP response, retryable: network error: /,
    },
    {
      name: 'a body trickled slower than request-timeout-seconds 1',
      first: { fault: 'trickle', delayMs: 100 },
      inputs: { 'request-timeout-seconds': '1' },
      logged: 'no HTTP response, retryable: no response within 1.0 s',
    },
    {
      name: 'a 2xx HTML body from a proxy',
      first: { status: 200, rawBody: '<html><body>Please wait…</body></html>' },
      logged: 'HTTP 200, retryable: HTTP 200: body is not a Cloudflare API response (text/html)',
    },
    ...[
      { shape: '{}', result: {}, says: 'the result is an empty object' },
      {
        shape: '{"status": "done"}',
        result: { status: 'done' },
        says: 'the result is an object without them',
      },
      { shape: '[1, 2, 3]', result: [1, 2, 3], says: 'the result is a list' },
      { shape: 'a string', result: 'ready', says: 'the result is a string' },
      { shape: 'null', result: null, says: 'no result' },
    ].map(({ shape, result, says }) => ({
      name: `a 2xx whose sync result is ${shape}`,
      first: syncAnswer(result),
      logged: `HTTP 200, retryable: HTTP 200: the sync answer has no status or error (${says})`,
    })),
  ])('after $name', async ({ first, inputs, logged, sleeps = [50] }) => {
    const clock = standingClock();
    const fake = await startOneServerFake({ syncReplies: [first, synced()] });
    const result = await runInProcess(fake, { clock, inputs: inputs ?? {} });

    expectSynced(result, 2);
    expect(requestLines(fake)).toEqual([READ, SYNC, SYNC, READ]);
    const [firstLine] = attemptLines(result);
    const head = `sync ${SERVER_ID}: attempt 1/3: `;
    expect(firstLine?.startsWith(head)).toBe(true);
    expect(firstLine?.endsWith('; waiting 0.1 s (backoff)')).toBe(true);
    const said = (firstLine ?? '')
      .slice(head.length, -'; waiting 0.1 s (backoff)'.length)
      .replace(/ \[cf-ray [^\]]+\]/, '');
    if (typeof logged === 'string') expect(said).toBe(logged);
    else expect(said).toMatch(logged);
    expect(clock.sleeps).toEqual(sleeps);
    expect(onlyResult(result)).toEqual(
      resultWith({ attempts: 2, duration_ms: sleeps.reduce((sum, ms) => sum + ms, 0) }),
    );
  });

  it.each([
    // The refused connection's own message is pinned in single-dist (see 'a connection reset').
    { name: 'a refused connection', api: () => closedPortUrl(), error: /^network error: / },
    {
      // https:// to the fake's plain-HTTP port: the handshake fails, as against a broken proxy.
      // OpenSSL's words vary with its version, and the fake may close first; never a request
      // sent without TLS.
      name: 'a TLS failure',
      api: async () => (await startOneServerFake()).baseUrl.replace(/^http:/, 'https:'),
      error: /^network error: .*\b(EPROTO|ECONNRESET)\b/,
    },
  ])('$name is retried until max-attempts is used up', async ({ api, error }) => {
    const clock = standingClock();
    const result = await runInProcess(await api(), { clock, inputs: { 'max-attempts': '2' } });

    const message = result.outputs.error ?? '';
    expect(message).toMatch(error);
    expect(message.endsWith(' (gave up after 2 attempts: max-attempts (2) used up)')).toBe(true);
    expectFailed(result, {
      error: message,
      attempts: 2,
      retryable: true,
      hint: RAISE_MAX_ATTEMPTS,
      // The Before read failed too: nothing is known of the server.
      entry: { authentication_status: null, duration_ms: 50 },
    });
    // The Before read's two attempts, then the sync's.
    expect(clock.sleeps).toEqual([50, 50]);
    const logged = attemptLines(result);
    expect(logged).toHaveLength(2);
    expect(logged[0]).toMatch(
      /^sync docs-mcp: attempt 1\/2: no HTTP response, retryable: network error: .*; waiting 0\.1 s \(backoff\)$/,
    );
    expect(logged[1]).toMatch(
      /^sync docs-mcp: attempt 2\/2: no HTTP response, retryable: network error: .*; no attempts left$/,
    );
  });
});

describe('not retried: the step fails after one attempt', () => {
  async function expectNotRetried(
    setup: OneServerSetup,
    error: string,
    errorDetails: Record<string, unknown> | null = null,
  ): Promise<OneServerRun> {
    const clock = standingClock();
    const fake = await startOneServerFake(setup);
    const result = await runInProcess(fake, { clock });

    expectFailed(result, {
      error,
      attempts: 1,
      retryable: false,
      entry: { error_details: errorDetails, ray_id: lastSyncRay(fake) },
    });
    expect(result.outputs['error-details']).toBe(
      errorDetails === null ? '' : JSON.stringify(errorDetails),
    );
    // No After read: there is nothing new to read after a failed sync.
    expect(requestLines(fake)).toEqual([READ, SYNC]);
    expect(clock.sleeps).toEqual([]);
    expect(attemptLines(result)).toEqual([
      expect.stringMatching(new RegExp(`^sync ${SERVER_ID}: attempt 1/3: `)),
    ]);
    const [line] = attemptLines(result);
    expect(line?.endsWith(`, not retryable: ${error}`)).toBe(true);
    return result;
  }

  it.each([
    { status: 400, code: 10_001, message: 'Invalid request' },
    { status: 422, code: 1004, message: 'MCP server is disabled' },
  ])('HTTP $status', async ({ status, code, message }) => {
    await expectNotRetried(
      { syncReplies: [apiError(status, code, message), synced()] },
      `HTTP ${status}: ${message} (${code})`,
    );
  });

  it.each([301, 302, 307, 308])(
    'HTTP %i redirect, never followed (the target receives nothing)',
    async (status) => {
      const elsewhere = await startOneServerFake();
      const location = `${elsewhere.baseUrl}${SYNC_PATH.slice('/client/v4'.length)}`;
      await expectNotRetried(
        { syncReplies: [{ status, headers: { location } }] },
        `HTTP ${status}: redirect not followed`,
      );
      expect(elsewhere.requests).toHaveLength(0);
    },
  );

  it('HTTP 503 whose body says retryable: false', async () => {
    const details = { is_upstream: true, retryable: false, status_code: 410 };
    await expectNotRetried(
      {
        syncReplies: [
          {
            status: 503,
            body: {
              success: false,
              errors: [],
              messages: [],
              result: {
                status: 'error',
                error: 'Upstream MCP server is gone',
                error_details: details,
              },
            },
          },
          synced(),
        ],
      },
      'HTTP 503: Upstream MCP server is gone',
      details,
    );
  });

  it('a 200 whose body says retryable: false, with all five error_details fields', async () => {
    await expectNotRetried(
      {
        syncReplies: [
          upstreamFailure('Upstream MCP server rejected the credentials', FULL_ERROR_DETAILS),
          synced(),
        ],
      },
      'Upstream MCP server rejected the credentials (cause: 401 Unauthorized: invalid bearer token)',
      { ...FULL_ERROR_DETAILS },
    );
  });

  it('a 200 whose envelope says success: false, whatever its result says', async () => {
    await expectNotRetried(
      {
        syncReplies: [
          {
            status: 200,
            body: {
              success: false,
              errors: [{ code: 1000, message: 'Sync refused' }],
              result: { status: 'ready' },
            },
          },
          synced(),
        ],
      },
      'HTTP 200: Sync refused (1000)',
    );
  });

  it('a 200 whose result is status "error" without an error text', async () => {
    await expectNotRetried(
      { syncReplies: [syncAnswer({ status: 'error' }), synced()] },
      'sync failed',
    );
  });
});

describe('refused credentials (401, 403) stop the run', () => {
  it.each([
    { status: 401, code: 10_001, message: 'Unable to authenticate request' },
    { status: 403, code: 10_000, message: 'Authentication error' },
  ])(
    'HTTP $status on the sync: no further request, and the message names MCP Portals Write',
    async ({ status, code, message }) => {
      const fake = await startOneServerFake({
        syncReplies: [apiError(status, code, message), synced()],
      });
      const result = await runInProcess(fake);

      const error = `HTTP ${status}: ${message} (${code})`;
      expectFailed(result, {
        error,
        attempts: 1,
        retryable: false,
        hint: TOKEN_REFUSED,
        failure: `::error::${error}: ${TOKEN_REFUSED}: 1 of 1 MCP server failed to sync: ${SERVER_ID}`,
        entry: { ray_id: lastSyncRay(fake) },
      });
      expect(requestLines(fake)).toEqual([READ, SYNC]);
      expect(summaryParagraphs(result.summary)[0]).toBe(
        `⛔ The run stopped: ${error}: ${TOKEN_REFUSED}`,
      );
    },
  );

  it('a token refused at the Before read: the sync is never sent', async () => {
    const fake = await startOneServerFake({ token: 'cfut_the_account_expects_another_token' });
    const result = await runInProcess(fake);

    const refused = 'HTTP 403: Authentication error (10000)';
    const error = `${refused} (not sent: the API refused the credentials)`;
    expectFailed(result, {
      error,
      attempts: 0,
      retryable: false,
      hint: TOKEN_REFUSED,
      failure: `::error::${refused}: ${TOKEN_REFUSED}: 1 of 1 MCP server failed to sync: ${SERVER_ID}`,
      entry: { authentication_status: null },
    });
    expect(requestLines(fake)).toEqual([READ]);
    expect(attemptLines(result)).toEqual([]);
  });

  it('an email and Global API Key refused: the message says where the key is', async () => {
    const fake = await startOneServerFake({
      email: EMAIL,
      key: 'gkey_the_account_expects_another_key',
    });
    const result = await runInProcess(fake, {
      inputs: { 'api-token': undefined, 'api-email': EMAIL, 'api-key': API_KEY },
    });

    const hint = `the email and Global API Key were refused: check api-email and api-key (Cloudflare dashboard → My Profile → API Tokens → Global API Key), and that the user is a member of account ${ACCOUNT_ID}`;
    const refused = 'HTTP 403: Authentication error (10000)';
    expectFailed(result, {
      error: `${refused} (not sent: the API refused the credentials)`,
      attempts: 0,
      retryable: false,
      hint,
      failure: `::error::${refused}: ${hint}: 1 of 1 MCP server failed to sync: ${SERVER_ID}`,
      entry: { authentication_status: null },
    });
    expect(requestLines(fake)).toEqual([READ]);
  });

  it('a dry run names the permission a dry run needs', async () => {
    const fake = await startOneServerFake({ token: 'cfut_the_account_expects_another_token' });
    const result = await runInProcess(fake, { inputs: { 'dry-run': 'true' } });

    expect(result.exitCode).toBe(1);
    expect(annotations(result, 'error')[0]).toContain(
      `it needs the account permission MCP Portals Read (or Write) on account ${ACCOUNT_ID}`,
    );
    expect(requestLines(fake)).toEqual([READ]);
  });
});

describe('HTTP 404: the server is not in the account', () => {
  it('says so, reading the list once to look for similar ids', async () => {
    const fake = await startOneServerFake({
      syncReplies: [apiError(404, 7002, 'Not Found'), synced()],
    });
    const result = await runInProcess(fake);

    expectFailed(result, {
      error: `no MCP server ${SERVER_ID} in account ${ACCOUNT_ID} (HTTP 404: Not Found (7002))`,
      attempts: 1,
      retryable: false,
      hint: NOT_FOUND_HINT,
      entry: { ray_id: lastSyncRay(fake) },
    });
    expect(requestLines(fake)).toEqual([READ, SYNC, LIST]);
  });

  it('a mistyped id: names the similar ids of the account', async () => {
    const fake = await startFake({
      servers: ['docs-mcp', 'dox-mcp', 'docs-mcp-staging', 'billing-mcp'].map((id) => ({ id })),
    });
    const result = await runInProcess(fake, { inputs: { 'server-id': 'doc-mcp' } });

    const error = `no MCP server doc-mcp in account ${ACCOUNT_ID} (HTTP 404: Not Found (7002))`;
    const hint =
      "did you mean docs-mcp, dox-mcp? server-id takes the server's id, not its display name";
    expect(result.outputs).toMatchObject({
      status: 'error',
      error,
      attempts: '1',
      retryable: 'false',
    });
    expect(annotations(result, 'error')).toEqual([
      '::error::1 of 1 MCP server failed to sync: doc-mcp',
      `::error title=MCP server doc-mcp failed to sync::${error} → ${hint}`,
    ]);
    expect(onlyResult(result)).toEqual(
      resultWith({
        server_id: 'doc-mcp',
        status: 'error',
        // Its Before read found nothing either.
        authentication_status: null,
        error,
        tools: null,
        prompts: null,
        changes: null,
        ray_id: lastSyncRay(fake),
      }),
    );
    expect(requestLines(fake)).toEqual([
      `GET ${SERVERS_PATH}/doc-mcp`,
      `POST ${SERVERS_PATH}/doc-mcp/sync`,
      LIST,
    ]);
  });
});

describe('limits: max-attempts and timeout-seconds', () => {
  const alwaysUnavailable = (headers?: Record<string, string>): ScriptedReply[] =>
    Array.from({ length: 10 }, () => unavailable(headers));

  it('gives up once max-attempts is used up, and says so', async () => {
    const clock = standingClock();
    const fake = await startOneServerFake({ syncReplies: alwaysUnavailable() });
    const result = await runInProcess(fake, { clock });

    expectFailed(result, {
      error:
        'HTTP 503: Service temporarily unavailable (10503) (gave up after 3 attempts: max-attempts (3) used up)',
      attempts: 3,
      retryable: true,
      hint: RAISE_MAX_ATTEMPTS,
      entry: { duration_ms: 138, ray_id: lastSyncRay(fake) },
    });
    // 50 ms, then 100 ms less the jitter of random 0.5 (an eighth): 137.5 ms, rounded.
    expect(clock.sleeps).toEqual([50, 87.5]);
    expect(requestLines(fake)).toEqual([READ, SYNC, SYNC, SYNC]);
    const logged = attemptLines(result);
    expect(logged.map((line) => /attempt (\d\/\d)/.exec(line)?.[1])).toEqual(['1/3', '2/3', '3/3']);
    expect(
      logged.slice(0, 2).map((line) => / retryable: .*(; waiting .*)$/.exec(line)?.[1]),
    ).toEqual(['; waiting 0.1 s (backoff)', '; waiting 0.1 s (backoff)']);
    expect(logged[2]).toMatch(/HTTP 503 .*retryable: .*; no attempts left$/);
  });

  it('max-attempts 1 means no retry', async () => {
    const clock = standingClock();
    const fake = await startOneServerFake({ syncReplies: [unavailable(), synced()] });
    const result = await runInProcess(fake, { clock, inputs: { 'max-attempts': '1' } });

    expectFailed(result, {
      error:
        'HTTP 503: Service temporarily unavailable (10503) (gave up after 1 attempt: max-attempts (1) used up)',
      attempts: 1,
      retryable: true,
      hint: RAISE_MAX_ATTEMPTS,
      entry: { ray_id: lastSyncRay(fake) },
    });
    expect(clock.sleeps).toEqual([]);
    expect(fake.syncs()).toHaveLength(1);
    expect(attemptLines(result)).toEqual([
      expect.stringMatching(
        new RegExp(`^sync ${SERVER_ID}: attempt 1/1: HTTP 503 .*; no attempts left$`),
      ),
    ]);
  });

  it('a Retry-After that would end past timeout-seconds is not waited for', async () => {
    const clock = standingClock();
    const fake = await startOneServerFake({
      syncReplies: alwaysUnavailable({ 'retry-after': '5' }),
    });
    const result = await runInProcess(fake, {
      clock,
      inputs: { 'timeout-seconds': '3', 'max-attempts': '5' },
    });

    expectFailed(result, {
      error:
        'HTTP 503: Service temporarily unavailable (10503) (gave up after 1 attempt: timeout-seconds (3.0 s) would pass during the next wait)',
      attempts: 1,
      retryable: true,
      hint: 'the upstream kept failing with retryable errors: raise timeout-seconds',
      entry: { ray_id: lastSyncRay(fake) },
    });
    expect(clock.sleeps).toEqual([]);
    expect(fake.syncs()).toHaveLength(1);
    expect(attemptLines(result)[0]).toMatch(
      /; no wait of 5\.0 s \(retry-after\): it would end past timeout-seconds$/,
    );
  });
});

describe('waits, on a standing clock', () => {
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
    {
      // Jitter shortens a wait by random × a quarter, but never below base-delay-seconds.
      rule: 'loses an eighth to jitter at random 0.5, never going below base-delay-seconds',
      random: () => 0.5,
      inputs: { 'base-delay-seconds': '0.1' },
      waits: [100, 175, 350, 700],
      logged: ['0.1 s', '0.2 s', '0.3 s', '0.7 s'],
    },
    {
      rule: 'loses at most a quarter to jitter',
      random: () => 1,
      inputs: { 'base-delay-seconds': '0.1' },
      waits: [100, 150, 300, 600],
      logged: ['0.1 s', '0.1 s', '0.3 s', '0.6 s'],
    },
  ])('backoff $rule', async ({ random, inputs, waits, logged }) => {
    const clock = standingClock();
    const fake = await startOneServerFake({
      syncReplies: Array.from({ length: 5 }, () => unavailable()),
    });
    const result = await runInProcess(fake, {
      clock,
      random,
      inputs: { ...inputs, 'max-attempts': '5' },
    });

    expect(clock.sleeps).toEqual(waits);
    expect(fake.syncs()).toHaveLength(5);
    expect(result.outputs.attempts).toBe('5');
    expect(onlyResult(result).duration_ms).toBe(Math.round(waits.reduce((a, b) => a + b, 0)));
    expect(result.outputs.error).toBe(
      'HTTP 503: Service temporarily unavailable (10503) (gave up after 5 attempts: max-attempts (5) used up)',
    );
    expect(attemptLines(result).map((line) => /waiting (.*) \(backoff\)$/.exec(line)?.[1])).toEqual(
      [...logged, undefined],
    );
  });

  it.each<{
    name: string;
    status: number;
    header: Record<string, string>;
    inputs?: Inputs;
    waitMs: number;
    logged: string;
  }>([
    {
      name: '503, Retry-After: 2',
      status: 503,
      header: { 'retry-after': '2' },
      waitMs: 2000,
      logged: '2.0 s',
    },
    {
      name: '503, retry-after-ms: 700',
      status: 503,
      header: { 'retry-after-ms': '700' },
      waitMs: 700,
      logged: '0.7 s',
    },
    {
      name: '503, Retry-After: 7, above max-delay-seconds 1',
      status: 503,
      header: { 'retry-after': '7' },
      inputs: { 'max-delay-seconds': '1' },
      waitMs: 7000,
      logged: '7.0 s',
    },
    {
      name: '503, Retry-After as an HTTP date 2 s ahead',
      status: 503,
      header: { 'retry-after': new Date(T0 + 2000).toUTCString() },
      waitMs: 2000,
      logged: '2.0 s',
    },
    {
      name: '429, Retry-After: 2',
      status: 429,
      header: { 'retry-after': '2' },
      waitMs: 2000,
      logged: '2.0 s',
    },
    {
      name: '429, Retry-After: 2 and a Ratelimit header that agrees',
      status: 429,
      header: { 'retry-after': '2', ratelimit: '"default";r=0;t=2' },
      waitMs: 2000,
      logged: '2.0 s',
    },
    {
      name: '429, retry-after-ms: 700',
      status: 429,
      header: { 'retry-after-ms': '700' },
      waitMs: 700,
      logged: '0.7 s',
    },
  ])(
    '$name: waits exactly what was asked, then syncs',
    async ({ header, status, waitMs, inputs, logged }) => {
      const clock = standingClock();
      const fake = await startOneServerFake({
        syncReplies: [apiError(status, 10_000 + status, 'Slow down', header), synced()],
      });
      const result = await runInProcess(fake, { clock, inputs: inputs ?? {} });

      expectSynced(result, 2);
      expect(clock.sleeps).toEqual([waitMs]);
      expect(onlyResult(result).duration_ms).toBe(waitMs);
      expect(attemptLines(result)[0]).toMatch(
        new RegExp(
          `, retryable: HTTP ${status}: Slow down \\(${10_000 + status}\\); waiting ${logged} \\(retry-after\\)$`,
        ),
      );
    },
  );
});

describe('wait-for-ready: a server that answers waiting is watched', () => {
  /** A fake whose clock is the run's, so that `readyAfterMs` passes in the run's time. */
  async function watchedFake(clock: Clock, setup: OneServerSetup): Promise<FakeCloudflareApi> {
    return startOneServerFake({ now: () => clock.now(), ...setup });
  }

  it('from 1 s, doubling, until it is ready: duration_ms includes the wait', async () => {
    const clock = standingClock();
    const fake = await watchedFake(clock, { readyAfterMs: 3000 });
    const result = await runInProcess(fake, { clock });

    expectSynced(result, 1, 'waiting');
    expect(attemptLines(result)).toEqual([
      expect.stringMatching(
        /^sync docs-mcp: attempt 1\/3: HTTP 200 \[cf-ray [0-9a-f]{16}-LHR\], waiting$/,
      ),
    ]);
    // Read at 1 s (still waiting), then at 3 s (ready).
    expect(clock.sleeps).toEqual([1000, 2000]);
    expect(requestLines(fake)).toEqual([READ, SYNC, READ, READ]);
    expect(onlyResult(result)).toEqual(
      resultWith({ duration_ms: 3000, ray_id: lastSyncRay(fake) }),
    );
    expect(serverRow(result.summary)[3]).toBe('3.0 s');
  });

  it('at most every 10 s', async () => {
    const clock = standingClock();
    const fake = await watchedFake(clock, { readyAfterMs: 45_000 });
    const result = await runInProcess(fake, { clock, inputs: { 'timeout-seconds': '60' } });

    expectSynced(result, 1, 'waiting');
    expect(clock.sleeps).toEqual([1000, 2000, 4000, 8000, 10_000, 10_000, 10_000]);
    expect(onlyResult(result)).toEqual(
      resultWith({ duration_ms: 45_000, ray_id: lastSyncRay(fake) }),
    );
    expect(serverRow(result.summary)[3]).toBe('45 s');
  });

  it('still waiting when timeout-seconds runs out: fails, saying for how long', async () => {
    const clock = standingClock();
    const fake = await watchedFake(clock, { readyAfterMs: 60_000 });
    const result = await runInProcess(fake, { clock, inputs: { 'timeout-seconds': '20' } });

    // Reads at 1, 3, 7 and 15 s; the next, at 25 s, would be past the deadline.
    expect(clock.sleeps).toEqual([1000, 2000, 4000, 8000]);
    expect(requestLines(fake)).toEqual([READ, SYNC, READ, READ, READ, READ]);
    expectFailed(result, {
      error:
        'still waiting after 15 s: the server had not finished connecting to its upstream when timeout-seconds (20 s) ran out',
      attempts: 1,
      retryable: true,
      hint: 'raise timeout-seconds, or set wait-for-ready: false to pass while the server is still connecting',
      // Its last reading, still waiting, is its After.
      entry: {
        duration_ms: 15_000,
        tools: TOOLS,
        prompts: PROMPTS,
        changes: NO_CHANGES,
        ray_id: lastSyncRay(fake),
      },
    });
  });

  it('wait-for-ready: false passes a waiting server with a warning, reading it once', async () => {
    const clock = standingClock();
    const fake = await watchedFake(clock, { readyAfterMs: 3000 });
    const result = await runInProcess(fake, { clock, inputs: { 'wait-for-ready': 'false' } });

    expect(result.exitCode).toBe(0);
    expect(result.outputs).toMatchObject({
      status: 'waiting',
      error: '',
      retryable: '',
      attempts: '1',
    });
    expect(clock.sleeps).toEqual([]);
    expect(requestLines(fake)).toEqual([READ, SYNC, READ]);
    expect(annotations(result, 'error')).toEqual([]);
    expect(annotations(result, 'warning')).toEqual([
      `::warning title=MCP server ${SERVER_ID}::still connecting to its upstream MCP server when the step ended: its tools may change once it is ready`,
    ]);
    expect(serverRow(result.summary).slice(1, 3)).toEqual(['⏳ waiting', '1']);
    expect(onlyResult(result)).toEqual(
      resultWith({ status: 'waiting', ray_id: lastSyncRay(fake) }),
    );
  });
});

describe('what the sync changed', () => {
  // A deploy that adds list_pages and removes fetch_page: seen once the server is ready.
  const deploy: OneServerSetup = {
    readyAfterMs: 2000,
    afterSync: { tools: ['search_docs', 'list_pages'] },
  };
  const deployChanges = toolChanges({ added: ['list_pages'], removed: ['fetch_page'] }, [
    'tool fetch_page removed',
  ]);

  it('on-breaking-change: warn (default): passes, with the diff, a warning and the output', async () => {
    const clock = standingClock();
    const fake = await startOneServerFake({ now: () => clock.now(), ...deploy });
    const result = await runInProcess(fake, { clock });

    expect(result.exitCode).toBe(0);
    expect(result.outputs).toMatchObject({
      status: 'ready',
      error: '',
      'breaking-changes': `${SERVER_ID}: tool fetch_page removed`,
    });
    // Ready when read at 1 s + 2 s, so 3 s after the sync.
    expect(onlyResult(result)).toEqual(
      resultWith({
        duration_ms: 3000,
        tools: ['search_docs', 'list_pages'],
        changes: deployChanges,
        ray_id: lastSyncRay(fake),
      }),
    );
    expect(annotations(result, 'error')).toEqual([]);
    expect(annotations(result, 'warning')).toEqual([
      `::warning title=MCP server ${SERVER_ID}::breaking change: tool fetch_page removed`,
    ]);
    expect(logLines(result)).toEqual(
      expect.arrayContaining([
        `${SERVER_ID}: tools +list_pages -fetch_page`,
        `${SERVER_ID}: breaking: tool fetch_page removed`,
      ]),
    );
    expect(summaryParagraphs(result.summary)).toEqual([
      '✅ the MCP server synced and ready\n✅ 1 ready — capabilities changed on 1 server, ⚠ 1 breaking change',
    ]);
    expect(serverRow(result.summary).slice(4)).toEqual([
      '2',
      '1',
      '⚠ tool fetch_page removed\n+ tool list_pages\n− tool fetch_page',
      '',
    ]);
  });

  it('on-breaking-change: fail: the server fails, naming the change', async () => {
    const clock = standingClock();
    const fake = await startOneServerFake({ now: () => clock.now(), ...deploy });
    const result = await runInProcess(fake, { clock, inputs: { 'on-breaking-change': 'fail' } });

    expectFailed(result, {
      error: 'breaking change (on-breaking-change: fail): tool fetch_page removed',
      attempts: 1,
      retryable: false,
      hint: `if ${SERVER_ID}'s clients are ready for it, rerun with on-breaking-change: warn`,
      entry: {
        duration_ms: 3000,
        tools: ['search_docs', 'list_pages'],
        prompts: PROMPTS,
        changes: deployChanges,
        ray_id: lastSyncRay(fake),
      },
    });
    expect(result.outputs['breaking-changes']).toBe(`${SERVER_ID}: tool fetch_page removed`);
  });

  it('on-breaking-change: ignore: no warning, but the output still lists it', async () => {
    const clock = standingClock();
    const fake = await startOneServerFake({ now: () => clock.now(), ...deploy });
    const result = await runInProcess(fake, { clock, inputs: { 'on-breaking-change': 'ignore' } });

    expect(result.exitCode).toBe(0);
    expect(result.outputs['breaking-changes']).toBe(`${SERVER_ID}: tool fetch_page removed`);
    expect(annotations(result, 'warning')).toEqual([]);
    expect(annotations(result, 'error')).toEqual([]);
  });

  it('an added tool alone is not breaking', async () => {
    // The fake's own sync answer deploys afterSync.
    const fake = await startOneServerFake({ afterSync: { tools: [...TOOLS, 'list_pages'] } });
    const result = await runInProcess(fake, { inputs: { 'on-breaking-change': 'fail' } });

    expectSynced(result, 1);
    expect(onlyResult(result)).toEqual(
      resultWith({
        tools: [...TOOLS, 'list_pages'],
        changes: toolChanges({ added: ['list_pages'] }),
        ray_id: lastSyncRay(fake),
      }),
    );
  });
});

describe('authentication_status', () => {
  it('required in the Before reading: no sync is sent, and the error says to authenticate it', async () => {
    const fake = await startOneServerFake({ authenticationStatus: 'required' });
    const result = await runInProcess(fake);

    expectFailed(result, {
      error: ADMIN_LOGIN_NEEDED,
      attempts: 0,
      retryable: false,
      entry: { authentication_status: 'required' },
    });
    expect(requestLines(fake)).toEqual([READ]);
    expect(logLines(result)).toContain(`sync ${SERVER_ID}: not sent: ${ADMIN_LOGIN_NEEDED}`);
  });

  it('required in the sync answer: not retried', async () => {
    const fake = await startOneServerFake({
      syncReplies: [
        syncAnswer({
          status: 'error',
          error: 'Administrator authentication required',
          authentication_status: 'required',
        }),
        synced(),
      ],
    });
    const result = await runInProcess(fake);

    expectFailed(result, {
      error: ADMIN_LOGIN_NEEDED,
      attempts: 1,
      retryable: false,
      entry: { ray_id: RAY_ID },
    });
    expect(requestLines(fake)).toEqual([READ, SYNC]);
  });

  it('required in the After reading: fails, after one sync', async () => {
    const fake = await startOneServerFake({
      syncReplies: [synced()],
      intercept: afterTheSync({
        status: 200,
        body: envelope(serverObject({ authentication_status: 'required', auth_type: 'oauth' })),
      }),
    });
    const result = await runInProcess(fake);

    expectFailed(result, {
      error: ADMIN_LOGIN_NEEDED,
      attempts: 1,
      retryable: false,
      entry: {
        authentication_status: 'required',
        tools: TOOLS,
        prompts: PROMPTS,
        changes: NO_CHANGES,
        ray_id: RAY_ID,
      },
    });
    expect(requestLines(fake)).toEqual([READ, SYNC, READ]);
  });

  it('stale: passes with a warning that the authorization has expired', async () => {
    const fake = await startOneServerFake({
      authenticationStatus: 'stale',
      syncReplies: [synced()],
    });
    const result = await runInProcess(fake);

    expectSynced(result, 1);
    expect(onlyResult(result)).toEqual(resultWith({ authentication_status: 'stale' }));
    expect(annotations(result, 'warning')).toEqual([
      `::warning title=MCP server ${SERVER_ID}::the administrator's authorization has expired (authentication_status: stale): re-authenticate the server in the Cloudflare dashboard`,
    ]);
  });
});

describe('expected-tools', () => {
  it('passes when every expected tool is offered', async () => {
    const fake = await startOneServerFake({ syncReplies: [synced()] });
    const result = await runInProcess(fake, {
      inputs: { 'expected-tools': 'search_docs,\nfetch_page' },
    });

    expectSyncedAtOnce(result);
  });

  it('fails on a missing tool, naming it, after one sync', async () => {
    const fake = await startOneServerFake({ syncReplies: [synced()] });
    const result = await runInProcess(fake, {
      inputs: { 'expected-tools': 'search_docs, list_pages, get_page' },
    });

    expectFailed(result, {
      error: 'missing expected tools: list_pages, get_page',
      attempts: 1,
      retryable: false,
      hint: 'check that the deploy shipped the tool, and that no server or portal override disables it',
      entry: { tools: TOOLS, prompts: PROMPTS, changes: NO_CHANGES, ray_id: RAY_ID },
    });
    expect(requestLines(fake)).toEqual([READ, SYNC, READ]);
  });

  it('a tool disabled by a server override is not offered', async () => {
    const fake = await startOneServerFake({
      syncReplies: [synced()],
      updatedTools: [{ name: 'fetch_page', enabled: false }],
    });
    const result = await runInProcess(fake, { inputs: { 'expected-tools': 'fetch_page' } });

    expectFailed(result, {
      error: 'missing expected tool: fetch_page',
      attempts: 1,
      retryable: false,
      hint: 'check that the deploy shipped the tool, and that no server or portal override disables it',
      entry: { tools: ['search_docs'], prompts: PROMPTS, changes: NO_CHANGES, ray_id: RAY_ID },
    });
  });

  it('an aliased tool is offered under its upstream name', async () => {
    const fake = await startOneServerFake({
      syncReplies: [synced()],
      updatedTools: [{ name: 'fetch_page', alias: 'get_page' }],
    });
    const result = await runInProcess(fake, { inputs: { 'expected-tools': 'fetch_page' } });

    expectSyncedAtOnce(result);
  });
});

describe('a reading that fails', () => {
  const failedRead = apiError(500, 10_500, 'Internal server error');
  const gaveUp =
    'HTTP 500: Internal server error (10500) (gave up after 2 attempts: max-attempts (2) used up)';

  it('Before: the sync goes on, changes are null, and a warning says why', async () => {
    let reads = 0;
    const fake = await startOneServerFake({
      syncReplies: [synced()],
      intercept: (request) => (request.kind === 'read' && ++reads <= 2 ? failedRead : undefined),
    });
    const result = await runInProcess(fake, { inputs: { 'max-attempts': '2' } });

    expect(result.exitCode).toBe(0);
    expect(result.outputs).toMatchObject({ status: 'ready', error: '', attempts: '1' });
    expect(requestLines(fake)).toEqual([READ, READ, SYNC, READ]);
    expect(onlyResult(result)).toEqual(resultWith({ changes: null }));
    expect(annotations(result, 'warning')).toEqual([
      `::warning title=MCP server ${SERVER_ID}::changes unknown: the server could not be read before the sync (${gaveUp})`,
    ]);
    expect(serverRow(result.summary)[6]).toBe('–');
  });

  it("Before: a read that answers another server's object is no reading of this one", async () => {
    let reads = 0;
    const fake = await startOneServerFake({
      syncReplies: [synced()],
      intercept: (request) =>
        request.kind === 'read' && ++reads === 1
          ? { status: 200, body: envelope(serverObject({ id: 'other-mcp' })) }
          : undefined,
    });
    const result = await runInProcess(fake);

    expect(result.exitCode).toBe(0);
    expect(requestLines(fake)).toEqual([READ, SYNC, READ]);
    expect(onlyResult(result)).toEqual(resultWith({ changes: null }));
    expect(annotations(result, 'warning')).toEqual([
      `::warning title=MCP server ${SERVER_ID}::changes unknown: the server could not be read before the sync (the response holds no such server)`,
    ]);
  });

  it('After: passes, tools and prompts are null, and a warning says why', async () => {
    const fake = await startOneServerFake({
      syncReplies: [synced()],
      intercept: afterTheSync(failedRead),
    });
    const result = await runInProcess(fake, { inputs: { 'max-attempts': '2' } });

    expect(result.exitCode).toBe(0);
    expect(result.outputs).toMatchObject({ status: 'ready', error: '', attempts: '1' });
    expect(requestLines(fake)).toEqual([READ, SYNC, READ, READ]);
    expect(onlyResult(result)).toEqual(resultWith({ tools: null, prompts: null, changes: null }));
    expect(annotations(result, 'error')).toEqual([]);
    expect(annotations(result, 'warning')).toEqual([
      `::warning title=MCP server ${SERVER_ID}::tools and prompts unknown: the server could not be read after the sync (${gaveUp})`,
    ]);
    expect(serverRow(result.summary).slice(1, 7)).toEqual(['✅ ready', '1', '0 ms', '–', '–', '–']);
  });
});

describe('dry-run', () => {
  it('reads the server once, sends no sync, and reports it as it stands', async () => {
    const fake = await startOneServerFake();
    const result = await runInProcess(fake, { inputs: { 'dry-run': 'true' } });

    expect(result.exitCode).toBe(0);
    expect(result.outputs).toMatchObject({ status: 'ready', error: '', attempts: '0' });
    expect(requestLines(fake)).toEqual([READ]);
    expect(onlyResult(result)).toEqual(resultWith({ attempts: 0, changes: null, ray_id: null }));
    expect(summaryParagraphs(result.summary)[0]).toBe(
      '✅ Dry run, no sync sent: the MCP server read and ready\n✅ 1 ready',
    );
  });

  it('fails a server that lacks an expected tool, as a sync would', async () => {
    const fake = await startOneServerFake();
    const result = await runInProcess(fake, {
      inputs: { 'dry-run': 'true', 'expected-tools': 'list_pages' },
    });

    expect(result.exitCode).toBe(1);
    expect(result.outputs).toMatchObject({
      status: 'error',
      error: 'missing expected tool: list_pages',
      attempts: '0',
    });
    expect(annotations(result, 'error')).toEqual([
      `::error::1 of 1 MCP server failed the dry run: ${SERVER_ID}`,
      `::error title=MCP server ${SERVER_ID} failed the dry run::missing expected tool: list_pages → check that the deploy shipped the tool, and that no server or portal override disables it`,
    ]);
    expect(onlyResult(result)).toEqual(
      resultWith({
        status: 'error',
        error: 'missing expected tool: list_pages',
        attempts: 0,
        changes: null,
        ray_id: null,
      }),
    );
    expect(requestLines(fake)).toEqual([READ]);
  });

  it('fails a server that needs authentication', async () => {
    const fake = await startOneServerFake({ authenticationStatus: 'required' });
    const result = await runInProcess(fake, { inputs: { 'dry-run': 'true' } });

    expect(result.exitCode).toBe(1);
    expect(result.outputs).toMatchObject({
      status: 'error',
      error: ADMIN_LOGIN_NEEDED,
      attempts: '0',
    });
    expect(onlyResult(result)).toEqual(
      resultWith({
        status: 'error',
        authentication_status: 'required',
        error: ADMIN_LOGIN_NEEDED,
        attempts: 0,
        changes: null,
        ray_id: null,
      }),
    );
    expect(requestLines(fake)).toEqual([READ]);
  });
});

describe('statuses that pass with a warning', () => {
  it('a sync that answers stale: exit 0, a warning, no error', async () => {
    const fake = await startOneServerFake({ syncReplies: [synced('stale')] });
    const result = await runInProcess(fake);

    expect(result.exitCode).toBe(0);
    expect(result.outputs).toMatchObject({
      status: 'stale',
      error: '',
      retryable: '',
      attempts: '1',
    });
    expect(annotations(result, 'warning')).toEqual([
      `::warning title=MCP server ${SERVER_ID}::the administrator's authorization has expired: re-authenticate the server in the Cloudflare dashboard`,
    ]);
    expect(annotations(result, 'error')).toEqual([]);
    expect(serverRow(result.summary).slice(1, 3)).toEqual(['⚠️ stale', '1']);
    expect(onlyResult(result)).toEqual(resultWith({ status: 'stale' }));
  });
});

describe('text from the API is untrusted', () => {
  it('never spans lines, never starts a workflow command, and is escaped in the summary', async () => {
    const forged =
      'Upstream said no\n::error::forged annotation\r\n::set-output name=status::ready';
    const cause = '<img src=x onerror=alert(1)> | [click](https://evil.example) @admin';
    const fake = await startOneServerFake({
      syncReplies: [upstreamFailure(forged, { retryable: false, cause })],
    });
    const result = await runInProcess(fake);

    const error = `Upstream said no ::error::forged annotation ::set-output name=status::ready (cause: ${cause})`;
    expectFailed(result, {
      error,
      attempts: 1,
      retryable: false,
      entry: {
        error_details: { is_upstream: true, retryable: false, cause },
        ray_id: lastSyncRay(fake),
      },
    });
    const commands = result.stdout
      .split(/\r?\n/)
      .filter((line) => line.startsWith('::') && !line.startsWith('::add-mask::'));
    // Only the action's own two annotations; the forged ones stay inside the second.
    expect(commands).toEqual([FAILED, `${SERVER_ERROR_PREFIX}${error}`]);
    expect(result.summary).not.toContain('<img');
    expect(result.summary).not.toContain('](https:');
    expect(result.summary).not.toContain('@admin');
  });

  it('a credential the API echoes back is not repeated in the log, outputs or summary', async () => {
    const fake = await startOneServerFake({
      intercept: (request) =>
        request.kind === 'sync'
          ? apiError(
              400,
              6003,
              `Invalid request headers: Authorization: ${String(request.headers.authorization)}`,
            )
          : undefined,
    });
    const result = await runInProcess(fake);

    // runInProcess checked every output, the log and the summary; the message says what it could.
    expect(result.exitCode).toBe(1);
    expect(result.outputs.error).toBe(
      'HTTP 400: Invalid request headers: Authorization: Bearer *** (6003)',
    );
  });
});

describe('bad inputs fail the step before any request', () => {
  it.each(INPUT_ERROR_CASES)('$wrong', async (inputError) => {
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
      resultsFile: `[{"error":"${TOKEN}"}]`,
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
    expect(message).toContain('results-file');
    expect(message).not.toContain('stdout line 1');
    expect(SECRETS.some((secret) => message.includes(secret))).toBe(false);
    expect(() =>
      expectNoCredentialLeak({ stdout: `::add-mask::${TOKEN}\n`, outputs: {}, summary: '' }),
    ).not.toThrow();
  });

  it('the summary reader takes cells with attributes and keeps their line breaks', () => {
    const summary =
      '<table>\n<tr><th>Server</th><th>Time</th></tr>\n<tr><td nowrap><code>a&#95;b</code></td><td colspan="2">1<br>2</td></tr>\n</table>';
    expect(summaryRows(summary)).toEqual([
      ['Server', 'Time'],
      ['a_b', '1\n2'],
    ]);
    expect(SUMMARY_COLUMNS).toHaveLength(8);
    expect(timeCell(12)).toBe('12 ms');
  });
});
