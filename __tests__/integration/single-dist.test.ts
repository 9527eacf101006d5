// The bundled action (`node dist/index.js`, as a runner starts it) syncing ONE server against the
// fake Cloudflare API: success, every retry rule of the contract, the limits, Retry-After,
// authentication, input validation and reporting. Every run is checked for leaked credentials.
import { afterEach, describe, expect, it } from '@jest/globals';
import {
  apiError,
  upstreamFailure,
  type FakeCloudflareApi,
  type ScriptedReply,
} from '../../scripts/fake-cloudflare-api.js';
import { runAction, type ActionRun } from '../../scripts/run-action.js';
import { ACTION_NAME, ACTION_VERSION } from '../../src/version.js';
import {
  ACCOUNT_ID,
  API_KEY,
  EMAIL,
  FULL_ERROR_DETAILS,
  PROMPTS,
  RAY_ID,
  READ_PATH,
  SECRETS,
  SERVER_ERROR_PREFIX,
  SERVER_ID,
  SYNC_PATH,
  TIME_CELL,
  TOKEN,
  TOOLS,
  annotations,
  attemptLines,
  closedPortUrl,
  credentialHeaders,
  decodeHtml,
  edgeErrorPage,
  expectNoCredentialLeak,
  gapMs,
  httpDateAhead,
  masks,
  onlyResult,
  serverRow,
  startFake,
  stopFakes,
  synced,
  type FakeSetup,
} from '../support/single-harness.js';

afterEach(stopFakes);

interface RunOptions {
  /** Inputs on top of the defaults; `undefined` leaves a default input out. */
  inputs?: Record<string, string | undefined>;
  env?: Record<string, string>;
  /** `::add-mask::` values the run may print (the credentials as given). */
  maskable?: readonly string[];
}

/**
 * Runs the bundled action against `api` (a fake, or an API root URL) with a token, the fake
 * account, SERVER_ID, 3 attempts and a 0.05 s base delay, then checks that no credential leaked.
 */
async function runBundled(
  api: FakeCloudflareApi | string,
  { inputs = {}, env, maskable = SECRETS }: RunOptions = {},
): Promise<ActionRun> {
  const merged: Record<string, string | undefined> = {
    'api-token': TOKEN,
    'account-id': ACCOUNT_ID,
    'server-id': SERVER_ID,
    'api-base-url': typeof api === 'string' ? api : api.baseUrl,
    'base-delay-seconds': '0.05',
    'max-attempts': '3',
    ...inputs,
  };
  const given = Object.fromEntries(
    Object.entries(merged).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
  const run = await runAction({
    inputs: given,
    ...(env === undefined ? {} : { env }),
    killAfterMs: 20_000,
  });
  expectNoCredentialLeak(run, maskable);
  return run;
}

/** Asserts a failed step: exit 1, status error, the message in the error output and annotation. */
function expectFailed(run: ActionRun, error: string | RegExp): void {
  expect(run.exitCode).toBe(1);
  expect(run.outputs.status).toBe('error');
  const serverAnnotation = annotations(run.stdout, 'error').find((line) =>
    line.startsWith(SERVER_ERROR_PREFIX),
  );
  expect(serverAnnotation).toBeDefined();
  if (typeof error === 'string') {
    expect(run.outputs.error).toContain(error);
    expect(serverAnnotation).toContain(error);
  } else {
    expect(run.outputs.error).toMatch(error);
    expect(serverAnnotation).toMatch(error);
  }
  expect(annotations(run.stdout, 'error')).toContain(
    `::error::1 of 1 MCP server failed to sync: ${SERVER_ID}`,
  );
  const row = serverRow(run.summary);
  expect(row[1]).toBe('❌ error');
  expect(row[2]).toBe(run.outputs.attempts);
  expect(row[3]).toMatch(TIME_CELL);
  expect(row[6]).toBe(run.outputs.error);
}

/** Asserts a synced server: exit 0, status ready, no error outputs or annotations. */
function expectSynced(run: ActionRun, attempts: number): void {
  // Outputs first: on a failure, their diff shows the action's error message.
  expect(run.outputs).toMatchObject({
    status: 'ready',
    error: '',
    'error-details': '',
    retryable: '',
    attempts: String(attempts),
  });
  expect(run.exitCode).toBe(0);
  expect(annotations(run.stdout, 'error')).toEqual([]);
  expect(attemptLines(run.stdout)).toHaveLength(attempts);
  expect(attemptLines(run.stdout).at(-1)).toMatch(
    new RegExp(`^sync ${SERVER_ID}: attempt ${attempts}/\\d+: HTTP 200 .*, ready$`),
  );
  const row = serverRow(run.summary);
  expect(row.slice(1, 3)).toEqual(['✅ ready', String(attempts)]);
}

describe('a successful sync', () => {
  it('POSTs the sync with no body, reads the tools with a GET, and reports ready', async () => {
    const fake = await startFake({ syncReplies: [synced('ready')] });
    const run = await runBundled(fake);

    expectSynced(run, 1);
    expect(onlyResult(run.outputs)).toEqual({
      server_id: SERVER_ID,
      status: 'ready',
      error: null,
      error_details: null,
      attempts: 1,
      duration_ms: expect.any(Number),
      tools: TOOLS,
      prompts: PROMPTS,
      ray_id: RAY_ID,
    });
    expect(fake.requests.map(({ method, url }) => ({ method, url }))).toEqual([
      { method: 'POST', url: SYNC_PATH },
      { method: 'GET', url: READ_PATH },
    ]);
    const [sync] = fake.requests;
    expect(sync?.headers['content-length']).toBe('0');
    expect(sync?.headers['transfer-encoding']).toBeUndefined();
    expect(sync?.headers['user-agent']).toContain(`${ACTION_NAME}/${ACTION_VERSION}`);
    expect(attemptLines(run.stdout)).toEqual([
      `sync ${SERVER_ID}: attempt 1/3: HTTP 200 [cf-ray ${RAY_ID}], ready`,
    ]);
    expect(serverRow(run.summary)).toEqual([
      SERVER_ID,
      '✅ ready',
      '1',
      expect.stringMatching(TIME_CELL),
      String(TOOLS.length),
      String(PROMPTS.length),
      '',
    ]);
  });

  it('sends an API token as Authorization: Bearer, and no X-Auth headers', async () => {
    const fake = await startFake();
    // The token wins even when the legacy pair is given too; the key is still masked.
    const run = await runBundled(fake, { inputs: { 'api-email': EMAIL, 'api-key': API_KEY } });

    expectSynced(run, 1);
    expect(masks(run.stdout, TOKEN)).toBe(true);
    expect(masks(run.stdout, API_KEY)).toBe(true);
    expect(fake.requests.length).toBeGreaterThan(0);
    for (const request of fake.requests) {
      expect(credentialHeaders(request)).toEqual({ authorization: 'Bearer <TOKEN>' });
    }
  });

  it('sends api-email + api-key as X-Auth-Email / X-Auth-Key, and no Authorization', async () => {
    const fake = await startFake({ email: EMAIL, key: API_KEY });
    const run = await runBundled(fake, {
      inputs: { 'api-token': undefined, 'api-email': EMAIL, 'api-key': API_KEY },
    });

    expectSynced(run, 1);
    expect(masks(run.stdout, API_KEY)).toBe(true);
    expect(fake.requests.length).toBeGreaterThan(0);
    for (const request of fake.requests) {
      expect(credentialHeaders(request)).toEqual({
        'x-auth-email': EMAIL,
        'x-auth-key': '<API_KEY>',
      });
    }
  });

  it('strips a pasted "Bearer " prefix from api-token', async () => {
    const fake = await startFake();
    const pasted = `Bearer ${TOKEN}`;
    const run = await runBundled(fake, {
      inputs: { 'api-token': pasted },
      maskable: [...SECRETS, pasted],
    });

    expectSynced(run, 1);
    expect(masks(run.stdout, TOKEN)).toBe(true);
    expect(fake.requests.map(credentialHeaders)).toEqual([
      { authorization: 'Bearer <TOKEN>' },
      { authorization: 'Bearer <TOKEN>' },
    ]);
  });

  it.each<{ scheme: string; fakeAuth: FakeSetup; env: Record<string, string> }>([
    {
      scheme: 'an API token',
      fakeAuth: {},
      env: { CLOUDFLARE_API_TOKEN: TOKEN, CLOUDFLARE_ACCOUNT_ID: ACCOUNT_ID },
    },
    {
      scheme: 'email + Global API Key',
      fakeAuth: { email: EMAIL, key: API_KEY },
      env: {
        CLOUDFLARE_EMAIL: EMAIL,
        CLOUDFLARE_API_KEY: API_KEY,
        CLOUDFLARE_ACCOUNT_ID: ACCOUNT_ID,
      },
    },
  ])('falls back to the CLOUDFLARE_* environment for $scheme', async ({ fakeAuth, env }) => {
    const fake = await startFake(fakeAuth);
    const run = await runBundled(fake, {
      // A runner passes an input the workflow leaves out as an empty string.
      inputs: { 'api-token': '', 'account-id': '' },
      env,
    });

    expectSynced(run, 1);
    expect(fake.syncs()).toHaveLength(1);
    expect(fake.syncs()[0]?.url).toBe(SYNC_PATH);
  });
});

describe('retried, then synced (attempts 2)', () => {
  const upstreamRetryable = upstreamFailure('Upstream MCP server timed out', {
    retryable: true,
    cause: 'timeout after 10s waiting for tools/list',
    status_code: 504,
  });
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

  it.each<{ name: string; first: ScriptedReply; inputs?: Record<string, string>; logged: RegExp }>([
    {
      name: 'a body with retryable: true on HTTP 200',
      first: upstreamRetryable,
      logged: /HTTP 200 .*retryable: Upstream MCP server timed out/,
    },
    {
      name: 'a body with retryable: true on HTTP 400',
      first: retryableOn400,
      logged: /HTTP 400 .*retryable: HTTP 400: Upstream MCP server unreachable \(1001\)/,
    },
    ...[408, 409, 429, 500, 502, 503].map((status) => ({
      name: `HTTP ${status}`,
      first: apiError(status, 10_000 + status, `Transient failure ${status}`),
      logged: new RegExp(`HTTP ${status} .*retryable: HTTP ${status}: Transient failure ${status}`),
    })),
    ...[520, 522, 524].map((status) => ({
      name: `HTTP ${status} (Cloudflare's HTML error page)`,
      first: edgeErrorPage(status),
      logged: new RegExp(`HTTP ${status} .*retryable: HTTP ${status}: no Cloudflare API response`),
    })),
    {
      name: 'a connection reset',
      first: { fault: 'reset' },
      logged: /no HTTP response, retryable: network error: .*ECONNRESET/,
    },
    {
      name: 'a hung request (request-timeout-seconds 1)',
      first: { fault: 'hang' },
      inputs: { 'request-timeout-seconds': '1' },
      logged: /no HTTP response, retryable: no response within 1\.0 s/,
    },
    {
      name: 'a truncated body',
      first: { fault: 'truncate' },
      logged: /no HTTP response, retryable: network error: /,
    },
    {
      name: 'a body trickled slower than request-timeout-seconds 1',
      first: { fault: 'trickle', delayMs: 100 },
      inputs: { 'request-timeout-seconds': '1' },
      logged: /no HTTP response, retryable: no response within 1\.0 s/,
    },
    {
      name: 'a 2xx HTML body from a proxy',
      first: { status: 200, rawBody: '<html><body>Please wait…</body></html>' },
      logged:
        /HTTP 200 .*retryable: HTTP 200: body is not a Cloudflare API response \(text\/html\)/,
    },
  ])('after $name', async ({ first, inputs, logged }) => {
    const fake = await startFake({ syncReplies: [first, synced()] });
    const run = await runBundled(fake, { inputs: inputs ?? {} });

    expectSynced(run, 2);
    expect(fake.syncs()).toHaveLength(2);
    const [firstLine] = attemptLines(run.stdout);
    expect(firstLine).toMatch(new RegExp(`^sync ${SERVER_ID}: attempt 1/3: `));
    expect(firstLine).toMatch(logged);
    expect(firstLine).not.toContain('not retryable');
    expect(firstLine).toMatch(/; waiting \d+(\.\d)? s \(backoff\)$/);
    expect(onlyResult(run.outputs)).toMatchObject({ status: 'ready', attempts: 2, ray_id: RAY_ID });
  });

  it('retries a refused connection until max-attempts is used up', async () => {
    const run = await runBundled(await closedPortUrl(), { inputs: { 'max-attempts': '2' } });

    expectFailed(run, /ECONNREFUSED.*max-attempts \(2\) used up/);
    expect(run.outputs).toMatchObject({ attempts: '2', retryable: 'true', 'error-details': '' });
    const logged = attemptLines(run.stdout);
    expect(logged).toHaveLength(2);
    expect(logged[0]).toMatch(
      /attempt 1\/2: no HTTP response, retryable: network error: .*ECONNREFUSED.*; waiting \d+(\.\d)? s \(backoff\)$/,
    );
    expect(logged[1]).toMatch(/attempt 2\/2: no HTTP response, retryable: .*; no attempts left$/);
  });
});

describe('not retried: the step fails after one attempt', () => {
  function expectNotRetried(run: ActionRun, fake: FakeCloudflareApi, error: string): void {
    expectFailed(run, error);
    expect(run.outputs).toMatchObject({ attempts: '1', retryable: 'false' });
    expect(fake.syncs()).toHaveLength(1);
    expect(fake.requests.filter((request) => request.kind === 'read')).toEqual([]);
    const logged = attemptLines(run.stdout);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toContain(`attempt 1/3: `);
    expect(logged[0]).toContain(`not retryable: ${error}`);
    expect(logged[0]).not.toContain('waiting');
    expect(onlyResult(run.outputs)).toMatchObject({
      status: 'error',
      attempts: 1,
      error: run.outputs.error,
    });
  }

  it.each([
    { status: 400, code: 10_001, message: 'Invalid request' },
    { status: 401, code: 10_001, message: 'Unable to authenticate request' },
    { status: 403, code: 10_000, message: 'Authentication error' },
    { status: 404, code: 7003, message: 'Could not route to the MCP server' },
    { status: 422, code: 1004, message: 'MCP server is disabled' },
  ])('HTTP $status', async ({ status, code, message }) => {
    const fake = await startFake({ syncReplies: [apiError(status, code, message), synced()] });
    const run = await runBundled(fake);

    expectNotRetried(run, fake, `HTTP ${status}: ${message} (${code})`);
    expect(run.outputs['error-details']).toBe('');
  });

  it('HTTP 403 from a rejected token quotes Cloudflare: "Authentication error (10000)"', async () => {
    const fake = await startFake({ token: 'cfut_the_account_expects_another_token' });
    const run = await runBundled(fake);

    expectNotRetried(run, fake, 'HTTP 403: Authentication error (10000)');
  });

  it('HTTP 503 whose body says retryable: false', async () => {
    const reply: ScriptedReply = {
      status: 503,
      body: {
        success: false,
        errors: [],
        messages: [],
        result: {
          status: 'error',
          error: 'Upstream MCP server is gone',
          error_details: { is_upstream: true, retryable: false, status_code: 410 },
        },
      },
    };
    const fake = await startFake({ syncReplies: [reply, synced()] });
    const run = await runBundled(fake);

    expectNotRetried(run, fake, 'HTTP 503: Upstream MCP server is gone');
    expect(JSON.parse(run.outputs['error-details'] ?? '')).toEqual({
      is_upstream: true,
      retryable: false,
      status_code: 410,
    });
  });

  it('a 200 whose body says retryable: false, with all five error_details fields', async () => {
    const fake = await startFake({
      syncReplies: [
        upstreamFailure('Upstream MCP server rejected the credentials', FULL_ERROR_DETAILS),
        synced(),
      ],
    });
    const run = await runBundled(fake);

    expectNotRetried(
      run,
      fake,
      'Upstream MCP server rejected the credentials (cause: 401 Unauthorized: invalid bearer token)',
    );
    expect(JSON.parse(run.outputs['error-details'] ?? '')).toEqual(FULL_ERROR_DETAILS);
    expect(onlyResult(run.outputs).error_details).toEqual(FULL_ERROR_DETAILS);
  });

  it.each([301, 302, 307, 308])(
    'HTTP %i redirect, never followed (the target receives nothing)',
    async (status) => {
      const elsewhere = await startFake();
      const fake = await startFake({
        syncReplies: [
          {
            status,
            headers: { location: `${elsewhere.baseUrl}${SYNC_PATH.slice('/client/v4'.length)}` },
          },
        ],
      });
      const run = await runBundled(fake);

      expectNotRetried(run, fake, `HTTP ${status}: redirect not followed`);
      expect(elsewhere.requests).toHaveLength(0);
    },
  );
});

describe('limits: max-attempts and timeout-seconds', () => {
  const alwaysUnavailable = (): ScriptedReply[] =>
    Array.from({ length: 10 }, () => apiError(503, 10_503, 'Service temporarily unavailable'));

  it('gives up once max-attempts is used up, and says so', async () => {
    const fake = await startFake({ syncReplies: alwaysUnavailable() });
    const run = await runBundled(fake);

    expectFailed(
      run,
      'HTTP 503: Service temporarily unavailable (10503) (gave up after 3 attempts: max-attempts (3) used up)',
    );
    expect(run.outputs).toMatchObject({ attempts: '3', retryable: 'true' });
    expect(fake.syncs()).toHaveLength(3);
    const logged = attemptLines(run.stdout);
    expect(logged.map((line) => /attempt (\d\/\d)/.exec(line)?.[1])).toEqual(['1/3', '2/3', '3/3']);
    expect(logged.slice(0, 2).every((line) => / retryable: .*; waiting \d/.test(line))).toBe(true);
    expect(logged[2]).toMatch(/HTTP 503 .*retryable: .*; no attempts left$/);
  });

  it('max-attempts 1 means no retry', async () => {
    const fake = await startFake({
      syncReplies: [apiError(503, 10_503, 'Service temporarily unavailable'), synced()],
    });
    const run = await runBundled(fake, { inputs: { 'max-attempts': '1' } });

    expectFailed(run, 'max-attempts (1) used up');
    expect(run.outputs).toMatchObject({ attempts: '1', retryable: 'true' });
    expect(fake.syncs()).toHaveLength(1);
    expect(attemptLines(run.stdout)).toEqual([
      expect.stringMatching(
        new RegExp(`^sync ${SERVER_ID}: attempt 1/1: HTTP 503 .*; no attempts left$`),
      ),
    ]);
  });

  it('ends at the timeout-seconds deadline even while a request hangs, and exits promptly', async () => {
    const fake = await startFake({
      syncReplies: Array.from({ length: 10 }, () => ({ fault: 'hang' as const })),
    });
    const run = await runBundled(fake, {
      inputs: { 'timeout-seconds': '2', 'request-timeout-seconds': '30', 'max-attempts': '5' },
    });

    expectFailed(run, /timeout-seconds \(2\.0 s\)/);
    expect(run.outputs).toMatchObject({ attempts: '1', retryable: 'true' });
    expect(fake.syncs()).toHaveLength(1);
    // The deadline is 2 s; the process (start-up included) must end within about a second of it,
    // which also means it left no socket or timer holding the event loop open.
    expect(run.durationMs).toBeGreaterThanOrEqual(2000);
    expect(run.durationMs).toBeLessThan(3500);
  });

  it('does not start a Retry-After wait that would end past timeout-seconds', async () => {
    const fake = await startFake({
      syncReplies: Array.from({ length: 10 }, () =>
        apiError(503, 10_503, 'Service temporarily unavailable', { 'retry-after': '5' }),
      ),
    });
    const run = await runBundled(fake, { inputs: { 'timeout-seconds': '3', 'max-attempts': '5' } });

    expectFailed(run, /timeout-seconds \(3\.0 s\) would pass during the next wait/);
    expect(run.outputs).toMatchObject({ attempts: '1', retryable: 'true' });
    expect(fake.syncs()).toHaveLength(1);
    expect(attemptLines(run.stdout)[0]).toMatch(
      /no wait of 5\.0 s \(retry-after\): it would end past timeout-seconds$/,
    );
    // Neither the 5 s wait nor the 3 s deadline was sat out.
    expect(run.durationMs).toBeLessThan(3000);
  });
});

describe('Retry-After is honoured, never waiting less', () => {
  it.each<{
    name: string;
    status: number;
    headers: Record<string, string>;
    minMs: number;
    maxMs: number;
  }>([
    {
      name: '429 with Retry-After: 2',
      status: 429,
      headers: { 'retry-after': '2' },
      minMs: 2000,
      maxMs: 2600,
    },
    {
      name: '429 with Retry-After: 2 and a Ratelimit header that agrees',
      status: 429,
      headers: { 'retry-after': '2', ratelimit: '"default";r=0;t=2' },
      minMs: 2000,
      maxMs: 2600,
    },
    {
      name: '429 with retry-after-ms: 700',
      status: 429,
      headers: { 'retry-after-ms': '700' },
      minMs: 700,
      maxMs: 1300,
    },
    {
      name: '503 with retry-after-ms: 700',
      status: 503,
      headers: { 'retry-after-ms': '700' },
      minMs: 700,
      maxMs: 1300,
    },
  ])('$name', async ({ status, headers, minMs, maxMs }) => {
    const fake = await startFake({
      syncReplies: [apiError(status, 10_000 + status, 'Slow down', headers), synced()],
    });
    const run = await runBundled(fake);

    expectSynced(run, 2);
    expect(attemptLines(run.stdout)[0]).toMatch(/; waiting \d+(\.\d)? s \(retry-after\)$/);
    const gap = gapMs(fake, 0, 1);
    expect(gap).toBeGreaterThanOrEqual(minMs);
    expect(gap).toBeLessThan(maxMs);
  });

  it('Retry-After as an HTTP date: the retry arrives once that time has come', async () => {
    const date = httpDateAhead(2000);
    const fake = await startFake({
      syncReplies: [
        apiError(503, 10_503, 'Come back later', { 'retry-after': date.header }),
        synced(),
      ],
    });
    const run = await runBundled(fake);

    expectSynced(run, 2);
    expect(attemptLines(run.stdout)[0]).toMatch(/; waiting \d+(\.\d)? s \(retry-after\)$/);
    const retryAt = fake.syncs()[1]?.at ?? 0;
    // 10 ms of slack for timer granularity; the date itself is a whole second.
    expect(retryAt).toBeGreaterThanOrEqual(date.atMs - 10);
    expect(retryAt).toBeLessThan(date.atMs + 600);
  });
});

describe('text from the API is untrusted', () => {
  it('never spans lines, never starts a workflow command, and is escaped in the summary', async () => {
    const forged =
      'Upstream said no\n::error::forged annotation\r\n::set-output name=status::ready';
    const cause = '<img src=x onerror=alert(1)> | [click](https://evil.example) @admin';
    const fake = await startFake({
      syncReplies: [upstreamFailure(forged, { retryable: false, cause })],
    });
    const run = await runBundled(fake);

    expectFailed(
      run,
      'Upstream said no ::error::forged annotation ::set-output name=status::ready',
    );
    expect(run.outputs.error).not.toMatch(/[\r\n]/);
    const commands = run.stdout
      .split(/\r?\n/)
      .filter((line) => line.startsWith('::') && !line.startsWith('::add-mask::'));
    // Only the action's own two annotations; the forged ones stay inside the first.
    expect(commands).toHaveLength(2);
    expect(commands[0]?.startsWith(SERVER_ERROR_PREFIX)).toBe(true);
    expect(commands[1]).toBe(`::error::1 of 1 MCP server failed to sync: ${SERVER_ID}`);
    expect(run.summary).not.toContain('<img');
    expect(run.summary).not.toContain('](https:');
    expect(run.summary).not.toContain('@admin');
  });
});

describe('credentials', () => {
  it('a credential the API echoes back is not repeated in the log, outputs or summary', async () => {
    const fake = await startFake({
      intercept: (request) =>
        request.kind === 'sync'
          ? apiError(
              400,
              6003,
              `Invalid request headers: Authorization: ${String(request.headers.authorization)}`,
            )
          : undefined,
    });
    const run = await runBundled(fake);

    expect(run.exitCode).toBe(1);
    expect(run.outputs.error).toContain('HTTP 400: Invalid request headers');
  });
});

describe('statuses that pass with a warning', () => {
  it.each([
    { status: 'waiting', icon: '⏳' },
    { status: 'stale', icon: '⚠️' },
  ])('$status: exit 0, a warning annotation, no error', async ({ status, icon }) => {
    const fake = await startFake({ syncReplies: [synced(status)] });
    const run = await runBundled(fake);

    expect(run.exitCode).toBe(0);
    expect(run.outputs).toMatchObject({ status, error: '', retryable: '', attempts: '1' });
    expect(annotations(run.stdout, 'warning')).toContain(
      `::warning title=MCP server ${SERVER_ID}::synced, but the status is ${status}`,
    );
    expect(annotations(run.stdout, 'error')).toEqual([]);
    expect(serverRow(run.summary).slice(1, 3)).toEqual([`${icon} ${status}`, '1']);
    expect(onlyResult(run.outputs)).toMatchObject({ status, error: null, tools: TOOLS });
  });
});

describe('reading the tools after the sync', () => {
  it('a failed read (HTTP 500 on GET of the server) is a warning, not a failure', async () => {
    const fake = await startFake({
      intercept: (request) =>
        request.kind === 'read' ? apiError(500, 10_500, 'Internal server error') : undefined,
    });
    const run = await runBundled(fake, { inputs: { 'max-attempts': '2' } });

    expect(run.exitCode).toBe(0);
    expect(run.outputs).toMatchObject({ status: 'ready', error: '', attempts: '1' });
    expect(onlyResult(run.outputs)).toMatchObject({ status: 'ready', tools: null, prompts: null });
    expect(fake.requests.filter((request) => request.kind === 'read')).toHaveLength(2);
    expect(annotations(run.stdout, 'warning')).toEqual([
      expect.stringMatching(
        new RegExp(
          `^::warning::tools and prompts of ${SERVER_ID} not read: HTTP 500: Internal server error`,
        ),
      ),
    ]);
    expect(annotations(run.stdout, 'error')).toEqual([]);
    expect(serverRow(run.summary).slice(1, 6)).toEqual([
      '✅ ready',
      '1',
      expect.stringMatching(TIME_CELL),
      '–',
      '–',
    ]);
  });
});

describe('bad inputs: the step fails before any request', () => {
  it.each<{ input: string; inputs: Record<string, string | undefined>; expected: string }>([
    {
      input: 'account-id',
      // A secret pasted into the wrong input must not be echoed.
      inputs: { 'account-id': TOKEN },
      expected: 'account-id: expected 32 hexadecimal characters',
    },
    {
      input: 'api-token',
      inputs: { 'api-token': undefined },
      expected: 'api-token: no credentials given',
    },
    {
      input: 'api-base-url',
      inputs: { 'api-base-url': 'http://api.example.com/client/v4' },
      expected: 'api-base-url: expected https://',
    },
    {
      input: 'max-attempts',
      inputs: { 'max-attempts': '0' },
      expected: 'max-attempts: expected a whole number from 1 to 100, got "0"',
    },
  ])('$input', async ({ input, inputs, expected }) => {
    const fake = await startFake();
    const run = await runBundled(fake, { inputs });

    expect(run.exitCode).toBe(1);
    expect(run.outputs).toEqual({
      status: 'error',
      error: expect.stringContaining(expected),
      'error-details': '',
      retryable: '',
      attempts: '0',
      results: '[]',
    });
    expect(run.outputs.error?.startsWith(`${input}: `)).toBe(true);
    expect(annotations(run.stdout, 'error')).toEqual([`::error::${run.outputs.error}`]);
    expect(decodeHtml(run.summary)).toContain(`❌ ${run.outputs.error}`);
    expect(fake.requests).toHaveLength(0);
  });
});
