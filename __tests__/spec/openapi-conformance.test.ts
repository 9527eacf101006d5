// The fake's answers, and the requests the action sends, checked against Cloudflare's OpenAPI
// document by openapi-backend (see spec-check.ts). The requests are sent here with fetch, the way
// the action sends them (list pages of 100, reads, syncs without a body, the portal read, each with
// `Authorization: Bearer …`), across an account that shows every behaviour of the fake; a test
// that runs the action itself can hand its fake's requests to expectConformsToSpec too.
import { describe, expect, it } from '@jest/globals';
import {
  DEMO_TOKEN,
  apiError,
  upstreamFailure,
  type FakeApiOptions,
  type FakeCloudflareApi,
  type ScriptedReply,
} from '../../scripts/fake-cloudflare-api.js';
import { BEARER, PORTALS_PATH, SERVERS_PATH, send, startFake } from './loopback.js';
import { checkAgainstSpec, expectConformsToSpec } from './spec-check.js';

const EMAIL = 'ci-bot@example.com';
const KEY = 'legacy-key-for-conformance';
const START = Date.parse('2026-03-01T12:00:00.000Z');
const READY_AFTER_MS = 5_000;

/** Every list page, 100 servers a request, up to the first empty one. */
async function listAll(fake: FakeCloudflareApi): Promise<void> {
  for (let page = 1; ; page += 1) {
    const { text } = await send(fake, 'GET', `${SERVERS_PATH}?page=${page}&per_page=100`);
    if ((JSON.parse(text) as { result: unknown[] }).result.length === 0) return;
  }
}

const SPECIAL = ['docs-mcp', 'deploying', 'needs_admin', 'stale-auth', 'broken', 'flaky'];
const FLAKY_REPLIES: ScriptedReply[] = [
  upstreamFailure('Upstream MCP server timed out', {
    retryable: true,
    cause: 'timeout after 10s waiting for tools/list',
    status_code: 504,
  }),
  apiError(429, 10013, 'Rate limited: too many requests', { 'retry-after': '1' }),
  apiError(503, 10503, 'Service temporarily unavailable'),
  // Cloudflare's edge answers its own 52x with an HTML page.
  { status: 502, rawBody: '<!DOCTYPE html><html><head><title>Error 502</title></head></html>' },
];

function account(clock: { now: number }): FakeApiOptions {
  return {
    email: EMAIL,
    key: KEY,
    token: DEMO_TOKEN,
    now: () => clock.now,
    servers: [
      {
        id: 'docs-mcp',
        name: 'Docs',
        tools: [
          'search_docs',
          {
            name: 'fetch_page',
            description: 'Fetch one page',
            inputSchema: {
              type: 'object',
              properties: { url: { type: 'string', format: 'uri' } },
              required: ['url'],
            },
          },
        ],
        prompts: ['summarize', { name: 'explain', arguments: [{ name: 'topic', required: true }] }],
        updatedTools: [
          { name: 'search_docs', alias: 'search', description: 'Search the docs', enabled: true },
          { name: 'fetch_page', enabled: false },
        ],
        updatedPrompts: [{ name: 'summarize', alias: 'tldr' }],
      },
      {
        id: 'deploying',
        tools: ['v1_tool'],
        readyAfterMs: READY_AFTER_MS,
        afterSync: { tools: ['v1_tool', 'v2_tool'], prompts: ['v2_prompt'] },
      },
      { id: 'needs_admin', authenticationStatus: 'required', status: 'waiting' },
      { id: 'stale-auth', authenticationStatus: 'stale', status: 'stale', tools: ['t'] },
      { id: 'broken', status: 'error' },
      { id: 'flaky', tools: ['x'], syncReplies: FLAKY_REPLIES },
      ...Array.from({ length: 120 }, (_, i) => ({ id: `srv-${i + 1}`, tools: [`tool_${i + 1}`] })),
    ],
    portals: [
      {
        id: 'team-portal',
        name: 'Team',
        servers: [
          {
            serverId: 'docs-mcp',
            updatedTools: [
              { name: 'search_docs', portal_alias: 'docs_search', server_alias: 'search' },
              { name: 'fetch_page', enabled: false },
            ],
            updatedPrompts: [{ name: 'summarize', enabled: true }],
          },
          { serverId: 'deploying', defaultDisabled: true },
          { serverId: 'needs_admin' },
        ],
      },
    ],
  };
}

describe("the fake and the action's requests, against Cloudflare's OpenAPI document", () => {
  it('conform across a varied account: before, sync, watch, after, and errors', async () => {
    const clock = { now: START };
    const fake = await startFake(account(clock));

    // Before: every list page, the portal, and each server read on its own.
    await listAll(fake);
    await send(fake, 'GET', `${PORTALS_PATH}/team-portal`);
    for (const id of SPECIAL) await send(fake, 'GET', `${SERVERS_PATH}/${id}`);
    // Sync each server; the flaky one again through the rest of its scripted failures.
    for (const id of SPECIAL) await send(fake, 'POST', `${SERVERS_PATH}/${id}/sync`);
    let status = 0;
    while (status !== 200) status = (await send(fake, 'POST', `${SERVERS_PATH}/flaky/sync`)).status;
    // Watch the waiting server until it is ready, then read everything again.
    await send(fake, 'GET', `${SERVERS_PATH}/deploying`);
    clock.now += READY_AFTER_MS;
    await send(fake, 'GET', `${SERVERS_PATH}/deploying`);
    await listAll(fake);
    await send(fake, 'GET', `${PORTALS_PATH}/team-portal`);
    // What goes wrong: unknown ids, a refused token, and the legacy credentials.
    await send(fake, 'GET', `${SERVERS_PATH}/gone`);
    await send(fake, 'POST', `${SERVERS_PATH}/gone/sync`);
    await send(fake, 'GET', `${PORTALS_PATH}/no-such-portal`);
    await send(fake, 'GET', `${SERVERS_PATH}/docs-mcp`, {
      headers: { authorization: 'Bearer revoked' },
    });
    await send(fake, 'GET', `${SERVERS_PATH}/docs-mcp`, {
      headers: { 'x-auth-email': EMAIL, 'x-auth-key': KEY },
    });

    const report = await checkAgainstSpec(fake.requests);

    expect(report.problems).toEqual([]);
    // Only what the document does not describe goes unchecked.
    const flakySync = `POST ${SERVERS_PATH}/flaky/sync`;
    expect(report.unchecked).toEqual([
      `${flakySync}: response 429 application/json`,
      `${flakySync}: response 503 application/json`,
      `${flakySync}: response 502 text/html`,
      `GET ${SERVERS_PATH}/docs-mcp: response 403 application/json`,
    ]);
    // Every kind of answer was there to check: waiting, ready, auth and upstream errors, 404s.
    const answers = fake.requests.map(({ kind, status }) => `${kind} ${status}`);
    expect(new Set(answers)).toEqual(
      new Set([
        'list 200',
        'portal 200',
        'portal 404',
        'read 200',
        'read 404',
        'read 403',
        'sync 200',
        'sync 404',
        'sync 429',
        'sync 503',
        'sync 502',
      ]),
    );
    const syncResults = fake
      .syncs()
      .filter(({ status }) => status === 200)
      .map(({ serverId, responseBody }) => [serverId, JSON.parse(responseBody ?? '') as unknown]);
    expect(syncResults).toEqual([
      ['docs-mcp', { success: true, result: { status: 'ready' } }],
      ['deploying', { success: true, result: { status: 'waiting' } }],
      [
        'needs_admin',
        {
          success: true,
          result: {
            status: 'error',
            error: 'Administrator authentication required',
            error_details: { retryable: false, is_upstream: false },
          },
        },
      ],
      ['stale-auth', { success: true, result: { status: 'ready' } }],
      ['broken', { success: true, result: { status: 'ready' } }],
      [
        'flaky',
        {
          success: true,
          result: {
            status: 'error',
            error: 'Upstream MCP server timed out',
            error_details: {
              is_upstream: true,
              retryable: true,
              cause: 'timeout after 10s waiting for tools/list',
              status_code: 504,
            },
          },
        },
      ],
      ['flaky', { success: true, result: { status: 'ready' } }],
    ]);
  });
});

describe('the check', () => {
  /** The problems the check finds in one exchange with a fake holding `docs-mcp`. */
  async function problemsOf(
    exchange: (fake: FakeCloudflareApi) => Promise<unknown>,
    options: FakeApiOptions = {},
  ): Promise<string[]> {
    const fake = await startFake({ servers: [{ id: 'docs-mcp', tools: ['search'] }], ...options });
    await exchange(fake);
    return (await checkAgainstSpec(fake.requests)).problems;
  }

  it('fails the test that hands it a problem (expectConformsToSpec)', async () => {
    const fake = await startFake({ servers: [{ id: 'docs-mcp' }] });
    await send(fake, 'GET', `${SERVERS_PATH}?per_page=101`);

    await expect(expectConformsToSpec(fake.requests)).rejects.toThrow('must be <= 100');
  });

  it('reports a list page asked for more than 100 servers (the fake answers its 400)', async () => {
    const url = `${SERVERS_PATH}?page=1&per_page=101`;

    expect(await problemsOf((fake) => send(fake, 'GET', url))).toEqual([
      `GET ${url}: request: /query/per_page must be <= 100`,
    ]);
  });

  it('reports a tool given as a string instead of an object', async () => {
    const server = { id: 'docs-mcp', name: 'docs-mcp', hostname: 'https://docs.example.com/mcp' };
    const body = {
      success: true,
      result: { ...server, auth_type: 'unauthenticated', tools: ['search'], prompts: [] },
    };

    expect(
      await problemsOf((fake) => send(fake, 'GET', `${SERVERS_PATH}/docs-mcp`), {
        intercept: () => ({ status: 200, body }),
      }),
    ).toEqual([`GET ${SERVERS_PATH}/docs-mcp: response 200: /result/tools/0 must be object`]);
  });

  it('reports a server object without the fields the document requires', async () => {
    expect(
      await problemsOf((fake) => send(fake, 'GET', `${SERVERS_PATH}/docs-mcp`), {
        intercept: () => ({ status: 200, body: { success: true, result: { id: 'docs-mcp' } } }),
      }),
    ).toEqual(
      ['name', 'hostname', 'auth_type', 'tools', 'prompts'].map(
        (field) =>
          `GET ${SERVERS_PATH}/docs-mcp: response 200: /result must have required property '${field}'`,
      ),
    );
  });

  it('reports a sync result with a status the document does not know', async () => {
    const sync = `${SERVERS_PATH}/docs-mcp/sync`;

    expect(
      await problemsOf((fake) => send(fake, 'POST', sync), {
        intercept: () => ({ status: 200, body: { success: true, result: { status: 'done' } } }),
      }),
    ).toEqual([
      `POST ${sync}: response 200: /result/status must be equal to one of the allowed values ["waiting","ready","stale","error"]`,
    ]);
  });

  it('reports a 404 that is not the document’s', async () => {
    expect(
      await problemsOf((fake) => send(fake, 'GET', `${SERVERS_PATH}/docs-mcp`), {
        intercept: () => ({ status: 404, body: { success: 'no', errors: 'Not Found' } }),
      }),
    ).toEqual([
      `GET ${SERVERS_PATH}/docs-mcp: response 404: /errors must be array`,
      `GET ${SERVERS_PATH}/docs-mcp: response 404: /success must be boolean`,
      `GET ${SERVERS_PATH}/docs-mcp: response 404: /success must be equal to one of the allowed values [false]`,
    ]);
  });

  it('reports a JSON answer that is not JSON', async () => {
    expect(
      await problemsOf((fake) => send(fake, 'GET', `${SERVERS_PATH}/docs-mcp`), {
        intercept: () => ({
          status: 200,
          headers: { 'content-type': 'application/json; charset=utf-8' },
          rawBody: '{"success":true,"result":',
        }),
      }),
    ).toEqual([`GET ${SERVERS_PATH}/docs-mcp: response 200: the body is not JSON`]);
  });

  it('reports a request without credentials', async () => {
    expect(
      await problemsOf((fake) => send(fake, 'GET', `${SERVERS_PATH}/docs-mcp`, { headers: {} })),
    ).toEqual([
      `GET ${SERVERS_PATH}/docs-mcp: request: no credentials that the operation's security accepts`,
    ]);
  });

  it('reports a sync sent with a body', async () => {
    const sync = `${SERVERS_PATH}/docs-mcp/sync`;

    expect(
      await problemsOf((fake) =>
        send(fake, 'POST', sync, {
          headers: { ...BEARER, 'content-type': 'application/json' },
          body: '{}',
        }),
      ),
    ).toEqual([`POST ${sync}: request: a body, but the operation takes none`]);
  });

  it('reports an id that breaks the id rule (the fake answers its 404)', async () => {
    expect(await problemsOf((fake) => send(fake, 'GET', `${SERVERS_PATH}/Docs`))).toEqual([
      `GET ${SERVERS_PATH}/Docs: request: /path/id must match pattern "^[a-z0-9_]+(?:-[a-z0-9_]+)*$"`,
    ]);
  });

  it('reports a path the document does not have', async () => {
    const path = `${SERVERS_PATH}/docs-mcp/tools`;

    expect(await problemsOf((fake) => send(fake, 'GET', path))).toEqual([
      `GET ${path}: no operation of the document takes this method and path`,
    ]);
  });
});
