// The bundled action (`node dist/index.js`, as a runner starts it) syncing ONE server against the
// fake Cloudflare API: success, every retry rule of the contract, the limits, Retry-After,
// authentication, input validation and reporting. Every run is checked for leaked credentials.
import { describe, expect, it } from '@jest/globals';
import {
  apiError,
  upstreamFailure,
  type FakeCloudflareApi,
  type ScriptedReply,
} from '../../scripts/fake-cloudflare-api.js';
import type { ActionRun } from '../../scripts/run-action.js';
import { ACTION_NAME, ACTION_VERSION } from '../../src/version.js';
import {
  ACCOUNT_ID,
  API_KEY,
  EMAIL,
  FULL_ERROR_DETAILS,
  RAY_ID,
  READ_PATH,
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
  edgeErrorPage,
  gapMs,
  httpDateAhead,
  masks,
  ofKind,
  onlyResult,
  replyTo,
  runOneServer,
  serverRow,
  startOneServerFake,
  synced,
  unavailable,
  type OneServerSetup,
} from '../support/harness.js';
import {
  INPUT_ERROR_CASES,
  expectInputError,
  expectSynced,
  expectSyncedAtOnce,
} from '../support/one-server-checks.js';

/** Asserts a failed step: exit 1, status error, the message in the error output and annotation. */
function expectFailed(run: ActionRun, error: string | RegExp): void {
  expect(run.exitCode).toBe(1);
  expect(run.outputs.status).toBe('error');
  const serverAnnotation = annotations(run, 'error').find((line) =>
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
  expect(annotations(run, 'error')).toContain(
    `::error::1 of 1 MCP server failed to sync: ${SERVER_ID}`,
  );
  const row = serverRow(run.summary);
  expect(row[1]).toBe('❌ error');
  expect(row[2]).toBe(run.outputs.attempts);
  expect(row[3]).toMatch(TIME_CELL);
  expect(row[6]).toBe(run.outputs.error);
}

describe('a successful sync', () => {
  it('POSTs the sync with no body, reads the tools with a GET, and reports ready', async () => {
    const fake = await startOneServerFake({ syncReplies: [synced('ready')] });
    const run = await runOneServer(fake);

    expectSyncedAtOnce(run);
    expect(fake.requests.map(({ method, url }) => ({ method, url }))).toEqual([
      { method: 'POST', url: SYNC_PATH },
      { method: 'GET', url: READ_PATH },
    ]);
    const [sync] = fake.requests;
    expect(sync?.headers['content-length']).toBe('0');
    expect(sync?.headers['transfer-encoding']).toBeUndefined();
    expect(sync?.headers['user-agent']).toContain(`${ACTION_NAME}/${ACTION_VERSION}`);
  });

  it('sends an API token as Authorization: Bearer, and no X-Auth headers', async () => {
    const fake = await startOneServerFake();
    // The token wins even when the legacy pair is given too; the key is still masked.
    const run = await runOneServer(fake, { inputs: { 'api-email': EMAIL, 'api-key': API_KEY } });

    expectSynced(run, 1);
    expect(masks(run, TOKEN)).toBe(true);
    expect(masks(run, API_KEY)).toBe(true);
    expect(fake.requests.length).toBeGreaterThan(0);
    for (const request of fake.requests) {
      expect(credentialHeaders(request)).toEqual({ authorization: 'Bearer <TOKEN>' });
    }
  });

  it('sends api-email + api-key as X-Auth-Email / X-Auth-Key, and no Authorization', async () => {
    const fake = await startOneServerFake({ email: EMAIL, key: API_KEY });
    const run = await runOneServer(fake, {
      inputs: { 'api-token': undefined, 'api-email': EMAIL, 'api-key': API_KEY },
    });

    expectSynced(run, 1);
    expect(masks(run, API_KEY)).toBe(true);
    expect(fake.requests.length).toBeGreaterThan(0);
    for (const request of fake.requests) {
      expect(credentialHeaders(request)).toEqual({
        'x-auth-email': EMAIL,
        'x-auth-key': '<API_KEY>',
      });
    }
  });

  it('strips a pasted "Bearer " prefix from api-token', async () => {
    const fake = await startOneServerFake();
    const pasted = `Bearer ${TOKEN}`;
    const run = await runOneServer(fake, {
      inputs: { 'api-token': pasted },
      alsoMasked: [pasted],
    });

    expectSynced(run, 1);
    expect(masks(run, TOKEN)).toBe(true);
    expect(fake.requests.map(credentialHeaders)).toEqual([
      { authorization: 'Bearer <TOKEN>' },
      { authorization: 'Bearer <TOKEN>' },
    ]);
  });

  it.each<{ scheme: string; fakeAuth: OneServerSetup; env: Record<string, string> }>([
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
    const fake = await startOneServerFake(fakeAuth);
    const run = await runOneServer(fake, {
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
    const fake = await startOneServerFake({ syncReplies: [first, synced()] });
    const run = await runOneServer(fake, { inputs: inputs ?? {} });

    expectSynced(run, 2);
    expect(fake.syncs()).toHaveLength(2);
    const [firstLine] = attemptLines(run);
    expect(firstLine).toMatch(new RegExp(`^sync ${SERVER_ID}: attempt 1/3: `));
    expect(firstLine).toMatch(logged);
    expect(firstLine).not.toContain('not retryable');
    expect(firstLine).toMatch(/; waiting \d+(\.\d)? s \(backoff\)$/);
    expect(onlyResult(run)).toMatchObject({ status: 'ready', attempts: 2, ray_id: RAY_ID });
  });

  it('retries a refused connection until max-attempts is used up', async () => {
    const run = await runOneServer(await closedPortUrl(), { inputs: { 'max-attempts': '2' } });

    expectFailed(run, /ECONNREFUSED.*max-attempts \(2\) used up/);
    expect(run.outputs).toMatchObject({ attempts: '2', retryable: 'true', 'error-details': '' });
    const logged = attemptLines(run);
    expect(logged).toHaveLength(2);
    expect(logged[0]).toMatch(
      /attempt 1\/2: no HTTP response, retryable: network error: .*ECONNREFUSED.*; waiting \d+(\.\d)? s \(backoff\)$/,
    );
    expect(logged[1]).toMatch(/attempt 2\/2: no HTTP response, retryable: .*; no attempts left$/);
  });

  it('retries a TLS failure until max-attempts is used up', async () => {
    // https:// to the fake's plain-HTTP port: the handshake fails, as against a broken proxy.
    const fake = await startOneServerFake();
    const run = await runOneServer(fake.baseUrl.replace(/^http:/, 'https:'), {
      inputs: { 'max-attempts': '2' },
    });

    expectFailed(run, /network error: .*max-attempts \(2\) used up/);
    expect(run.outputs).toMatchObject({ attempts: '2', retryable: 'true', 'error-details': '' });
    expect(attemptLines(run)).toHaveLength(2);
    expect(fake.syncs()).toHaveLength(0);
  });
});

describe('not retried: the step fails after one attempt', () => {
  function expectNotRetried(run: ActionRun, fake: FakeCloudflareApi, error: string): void {
    expectFailed(run, error);
    expect(run.outputs).toMatchObject({ attempts: '1', retryable: 'false' });
    expect(fake.syncs()).toHaveLength(1);
    expect(ofKind(fake, 'read')).toEqual([]);
    const logged = attemptLines(run);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toContain(`attempt 1/3: `);
    expect(logged[0]).toContain(`not retryable: ${error}`);
    expect(logged[0]).not.toContain('waiting');
    expect(onlyResult(run)).toMatchObject({
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
    const fake = await startOneServerFake({
      syncReplies: [apiError(status, code, message), synced()],
    });
    const run = await runOneServer(fake);

    expectNotRetried(run, fake, `HTTP ${status}: ${message} (${code})`);
    expect(run.outputs['error-details']).toBe('');
  });

  it('HTTP 403 from a rejected token quotes Cloudflare: "Authentication error (10000)"', async () => {
    const fake = await startOneServerFake({ token: 'cfut_the_account_expects_another_token' });
    const run = await runOneServer(fake);

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
    const fake = await startOneServerFake({ syncReplies: [reply, synced()] });
    const run = await runOneServer(fake);

    expectNotRetried(run, fake, 'HTTP 503: Upstream MCP server is gone');
    expect(JSON.parse(run.outputs['error-details'] ?? '')).toEqual({
      is_upstream: true,
      retryable: false,
      status_code: 410,
    });
  });

  it('a 200 whose body says retryable: false, with all five error_details fields', async () => {
    const fake = await startOneServerFake({
      syncReplies: [
        upstreamFailure('Upstream MCP server rejected the credentials', FULL_ERROR_DETAILS),
        synced(),
      ],
    });
    const run = await runOneServer(fake);

    expectNotRetried(
      run,
      fake,
      'Upstream MCP server rejected the credentials (cause: 401 Unauthorized: invalid bearer token)',
    );
    expect(JSON.parse(run.outputs['error-details'] ?? '')).toEqual(FULL_ERROR_DETAILS);
    expect(onlyResult(run).error_details).toEqual(FULL_ERROR_DETAILS);
  });

  it.each([301, 302, 307, 308])(
    'HTTP %i redirect, never followed (the target receives nothing)',
    async (status) => {
      const elsewhere = await startOneServerFake();
      const fake = await startOneServerFake({
        syncReplies: [
          {
            status,
            headers: { location: `${elsewhere.baseUrl}${SYNC_PATH.slice('/client/v4'.length)}` },
          },
        ],
      });
      const run = await runOneServer(fake);

      expectNotRetried(run, fake, `HTTP ${status}: redirect not followed`);
      expect(elsewhere.requests).toHaveLength(0);
    },
  );
});

describe('limits: max-attempts and timeout-seconds', () => {
  const alwaysUnavailable = (): ScriptedReply[] => Array.from({ length: 10 }, () => unavailable());

  it('gives up once max-attempts is used up, and says so', async () => {
    const fake = await startOneServerFake({ syncReplies: alwaysUnavailable() });
    const run = await runOneServer(fake);

    expectFailed(
      run,
      'HTTP 503: Service temporarily unavailable (10503) (gave up after 3 attempts: max-attempts (3) used up)',
    );
    expect(run.outputs).toMatchObject({ attempts: '3', retryable: 'true' });
    expect(fake.syncs()).toHaveLength(3);
    const logged = attemptLines(run);
    expect(logged.map((line) => /attempt (\d\/\d)/.exec(line)?.[1])).toEqual(['1/3', '2/3', '3/3']);
    expect(logged.slice(0, 2).every((line) => / retryable: .*; waiting \d/.test(line))).toBe(true);
    expect(logged[2]).toMatch(/HTTP 503 .*retryable: .*; no attempts left$/);
  });

  it('max-attempts 1 means no retry', async () => {
    const fake = await startOneServerFake({
      syncReplies: [unavailable(), synced()],
    });
    const run = await runOneServer(fake, { inputs: { 'max-attempts': '1' } });

    expectFailed(run, 'max-attempts (1) used up');
    expect(run.outputs).toMatchObject({ attempts: '1', retryable: 'true' });
    expect(fake.syncs()).toHaveLength(1);
    expect(attemptLines(run)).toEqual([
      expect.stringMatching(
        new RegExp(`^sync ${SERVER_ID}: attempt 1/1: HTTP 503 .*; no attempts left$`),
      ),
    ]);
  });

  it('ends at the timeout-seconds deadline even while a request hangs, and exits promptly', async () => {
    const fake = await startOneServerFake({
      syncReplies: Array.from({ length: 10 }, () => ({ fault: 'hang' as const })),
    });
    const run = await runOneServer(fake, {
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
    const fake = await startOneServerFake({
      syncReplies: Array.from({ length: 10 }, () => unavailable({ 'retry-after': '5' })),
    });
    const run = await runOneServer(fake, {
      inputs: { 'timeout-seconds': '3', 'max-attempts': '5' },
    });

    expectFailed(run, /timeout-seconds \(3\.0 s\) would pass during the next wait/);
    expect(run.outputs).toMatchObject({ attempts: '1', retryable: 'true' });
    expect(fake.syncs()).toHaveLength(1);
    expect(attemptLines(run)[0]).toMatch(
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
    const fake = await startOneServerFake({
      syncReplies: [apiError(status, 10_000 + status, 'Slow down', headers), synced()],
    });
    const run = await runOneServer(fake);

    expectSynced(run, 2);
    expect(attemptLines(run)[0]).toMatch(/; waiting \d+(\.\d)? s \(retry-after\)$/);
    const gap = gapMs(fake, 0, 1);
    expect(gap).toBeGreaterThanOrEqual(minMs);
    expect(gap).toBeLessThan(maxMs);
  });

  it('Retry-After as an HTTP date: the retry arrives once that time has come', async () => {
    const date = httpDateAhead(2000);
    const fake = await startOneServerFake({
      syncReplies: [
        apiError(503, 10_503, 'Come back later', { 'retry-after': date.header }),
        synced(),
      ],
    });
    const run = await runOneServer(fake);

    expectSynced(run, 2);
    expect(attemptLines(run)[0]).toMatch(/; waiting \d+(\.\d)? s \(retry-after\)$/);
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
    const fake = await startOneServerFake({
      syncReplies: [upstreamFailure(forged, { retryable: false, cause })],
    });
    const run = await runOneServer(fake);

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
    const run = await runOneServer(fake);

    expect(run.exitCode).toBe(1);
    expect(run.outputs.error).toContain('HTTP 400: Invalid request headers');
  });
});

describe('statuses that pass with a warning', () => {
  it.each([
    { status: 'waiting', icon: '⏳' },
    { status: 'stale', icon: '⚠️' },
  ])('$status: exit 0, a warning annotation, no error', async ({ status, icon }) => {
    const fake = await startOneServerFake({ syncReplies: [synced(status)] });
    const run = await runOneServer(fake);

    expect(run.exitCode).toBe(0);
    expect(run.outputs).toMatchObject({ status, error: '', retryable: '', attempts: '1' });
    expect(annotations(run, 'warning')).toContain(
      `::warning title=MCP server ${SERVER_ID}::synced, but the status is ${status}`,
    );
    expect(annotations(run, 'error')).toEqual([]);
    expect(serverRow(run.summary).slice(1, 3)).toEqual([`${icon} ${status}`, '1']);
    expect(onlyResult(run)).toMatchObject({ status, error: null, tools: TOOLS });
  });
});

describe('reading the tools after the sync', () => {
  it('a failed read (HTTP 500 on GET of the server) is a warning, not a failure', async () => {
    const fake = await startOneServerFake({
      intercept: replyTo('read', apiError(500, 10_500, 'Internal server error')),
    });
    const run = await runOneServer(fake, { inputs: { 'max-attempts': '2' } });

    expect(run.exitCode).toBe(0);
    expect(run.outputs).toMatchObject({ status: 'ready', error: '', attempts: '1' });
    expect(onlyResult(run)).toMatchObject({ status: 'ready', tools: null, prompts: null });
    expect(ofKind(fake, 'read')).toHaveLength(2);
    expect(annotations(run, 'warning')).toEqual([
      expect.stringMatching(
        new RegExp(
          `^::warning::tools and prompts of ${SERVER_ID} not read: HTTP 500: Internal server error`,
        ),
      ),
    ]);
    expect(annotations(run, 'error')).toEqual([]);
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
  it.each(INPUT_ERROR_CASES.filter((inputError) => inputError.bundled !== undefined))(
    '$input',
    async (inputError) => {
      const fake = await startOneServerFake();
      const run = await runOneServer(fake, { inputs: inputError.inputs });

      expectInputError(run, fake, inputError);
    },
  );
});
