// The fake Cloudflare API itself: each route and each scripted behaviour, answered exactly as
// Cloudflare's OpenAPI document shapes it (openapi-conformance.test.ts validates the same answers
// against the document). Time is a clock the test moves, never a sleep.
import { describe, expect, it } from '@jest/globals';
import {
  DEMO_TOKEN,
  FakeCloudflareApi,
  apiError,
  upstreamFailure,
  type FakeApiOptions,
  type FakeServer,
  type ScriptedReply,
} from '../../scripts/fake-cloudflare-api.js';
import { PORTALS_PATH, SERVERS_PATH, send, startFake } from './loopback.js';

const START = Date.parse('2026-03-01T12:00:00.000Z');
const START_ISO = '2026-03-01T12:00:00.000Z';

/** A fake whose clock stands still until the test moves it. */
async function fakeAt(options: FakeApiOptions): Promise<{
  fake: FakeCloudflareApi;
  clock: { now: number };
}> {
  const clock = { now: START };
  const fake = await startFake({ ...options, now: () => clock.now });
  return { fake, clock };
}

interface Answer {
  status: number;
  body: unknown;
}

async function call(
  fake: FakeCloudflareApi,
  method: 'GET' | 'POST',
  path: string,
  headers?: Record<string, string>,
): Promise<Answer> {
  const { status, text } = await send(fake, method, path, headers === undefined ? {} : { headers });
  return { status, body: JSON.parse(text) as unknown };
}

const read = (fake: FakeCloudflareApi, id: string): Promise<Answer> =>
  call(fake, 'GET', `${SERVERS_PATH}/${id}`);
const sync = (fake: FakeCloudflareApi, id: string): Promise<Answer> =>
  call(fake, 'POST', `${SERVERS_PATH}/${id}/sync`);
const list = (fake: FakeCloudflareApi, query: string): Promise<Answer> =>
  call(fake, 'GET', `${SERVERS_PATH}${query}`);

const NOT_FOUND = {
  status: 404,
  body: { success: false, errors: [{ code: 7002, message: 'Not Found' }] },
};
const READY = { status: 200, body: { success: true, result: { status: 'ready' } } };

/** What the fake serves for a server given only by id, before any sync. */
function plainServer(id: string): Record<string, unknown> {
  return {
    id,
    name: id,
    hostname: `https://${id}.example.com/mcp`,
    auth_type: 'unauthenticated',
    authentication_status: 'not_required',
    status: 'ready',
    tools: [],
    prompts: [],
    updated_tools: [],
    updated_prompts: [],
    created_at: START_ISO,
    modified_at: START_ISO,
  };
}

/** The `result` of a 200 answer. */
function resultOf(answer: Answer): Record<string, unknown> {
  expect(answer.status).toBe(200);
  return (answer.body as { result: Record<string, unknown> }).result;
}

describe('GET …/mcp/servers/{id}', () => {
  it('answers the mcp_server object: capabilities as objects, overrides, timestamps', async () => {
    const { fake } = await fakeAt({
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
                properties: { url: { type: 'string' } },
                required: ['url'],
              },
            },
          ],
          prompts: [
            'summarize',
            { name: 'explain', arguments: [{ name: 'topic', required: true }] },
          ],
          updatedTools: [{ name: 'search_docs', alias: 'search', enabled: true }],
          updatedPrompts: [{ name: 'summarize', description: 'Short summary', enabled: false }],
          authenticationStatus: 'connected',
        },
      ],
    });

    expect(await read(fake, 'docs-mcp')).toEqual({
      status: 200,
      body: {
        success: true,
        result: {
          id: 'docs-mcp',
          name: 'Docs',
          hostname: 'https://docs-mcp.example.com/mcp',
          auth_type: 'oauth',
          authentication_status: 'connected',
          status: 'ready',
          tools: [
            {
              name: 'search_docs',
              description: 'search_docs tool',
              inputSchema: { type: 'object', properties: {} },
            },
            {
              name: 'fetch_page',
              description: 'Fetch one page',
              inputSchema: {
                type: 'object',
                properties: { url: { type: 'string' } },
                required: ['url'],
              },
            },
          ],
          prompts: [
            { name: 'summarize', description: 'summarize prompt' },
            {
              name: 'explain',
              description: 'explain prompt',
              arguments: [{ name: 'topic', required: true }],
            },
          ],
          updated_tools: [{ name: 'search_docs', alias: 'search', enabled: true }],
          updated_prompts: [{ name: 'summarize', description: 'Short summary', enabled: false }],
          created_at: START_ISO,
          modified_at: START_ISO,
        },
      },
    });
    expect(fake.requests.map(({ kind, serverId }) => ({ kind, serverId }))).toEqual([
      { kind: 'read', serverId: 'docs-mcp' },
    ]);
  });

  it('shows the error of a server whose status is error', async () => {
    const { fake } = await fakeAt({ servers: [{ id: 'broken', status: 'error' }] });

    expect(resultOf(await read(fake, 'broken'))).toEqual({
      ...plainServer('broken'),
      status: 'error',
      error: 'Could not connect to the MCP server',
      error_details: { cause: 'connect ECONNREFUSED', is_upstream: false, retryable: true },
    });
  });

  it("answers the document's 404 for a server it does not hold", async () => {
    const { fake } = await fakeAt({ servers: [{ id: 'docs' }] });

    expect(await read(fake, 'other')).toEqual(NOT_FOUND);
  });

  it.each([
    ['uppercase', 'Docs', 'Docs'],
    ['a double hyphen', 'a--b', 'a--b'],
    ['a leading hyphen', '-docs', '-docs'],
    ['33 characters', 'a'.repeat(33), 'a'.repeat(33)],
    ['an encoded slash', 'a%2Fb', 'a/b'],
    ['broken percent-encoding', 'a%zz', 'a%zz'],
  ])(
    "answers the document's 404 for an id with %s, even when it holds that server",
    async (_name, segment, id) => {
      const { fake } = await fakeAt({ servers: [{ id }] });

      expect(await read(fake, segment)).toEqual(NOT_FOUND);
      expect(await sync(fake, segment)).toEqual(NOT_FOUND);
      expect(fake.requests.map(({ kind, serverId }) => ({ kind, serverId }))).toEqual([
        { kind: 'read', serverId: id },
        { kind: 'sync', serverId: id },
      ]);
    },
  );

  it('takes an id of 32 characters with underscores', async () => {
    const id = `a_b-${'c'.repeat(28)}`;
    const { fake } = await fakeAt({ servers: [{ id }] });

    expect(resultOf(await read(fake, id))).toEqual(plainServer(id));
  });
});

describe('POST …/mcp/servers/{id}/sync', () => {
  it("answers the mcp_sync_result and stamps the server's last syncs", async () => {
    const { fake, clock } = await fakeAt({ servers: [{ id: 'docs' }] });
    clock.now = START + 60_000;

    expect(await sync(fake, 'docs')).toEqual(READY);
    clock.now = START + 120_000;

    expect(resultOf(await read(fake, 'docs'))).toEqual({
      ...plainServer('docs'),
      last_synced: '2026-03-01T12:01:00.000Z',
      last_successful_sync: '2026-03-01T12:01:00.000Z',
    });
  });

  it('reads the old capabilities before the sync and the new ones after (afterSync)', async () => {
    const { fake } = await fakeAt({
      servers: [
        {
          id: 'deploy',
          tools: ['old_tool'],
          prompts: ['old_prompt'],
          afterSync: { tools: ['new_tool'] },
        },
      ],
    });
    const names = async (): Promise<unknown> => {
      const result = resultOf(await read(fake, 'deploy'));
      const name = (capability: { name: string }): string => capability.name;
      return {
        tools: (result.tools as { name: string }[]).map(name),
        prompts: (result.prompts as { name: string }[]).map(name),
      };
    };

    expect(await names()).toEqual({ tools: ['old_tool'], prompts: ['old_prompt'] });
    expect(await sync(fake, 'deploy')).toEqual(READY);
    expect(await names()).toEqual({ tools: ['new_tool'], prompts: ['old_prompt'] });
  });

  it('answers waiting, reads waiting for readyAfterMs, then ready with the new tools', async () => {
    const { fake, clock } = await fakeAt({
      servers: [{ id: 'slow', tools: ['v1'], readyAfterMs: 5_000, afterSync: { tools: ['v2'] } }],
    });
    const state = async (): Promise<unknown> => {
      const { status, tools } = resultOf(await read(fake, 'slow'));
      return { status, tools: (tools as { name: string }[]).map((tool) => tool.name) };
    };

    expect(await sync(fake, 'slow')).toEqual({
      status: 200,
      body: { success: true, result: { status: 'waiting' } },
    });
    expect(await state()).toEqual({ status: 'waiting', tools: ['v1'] });
    clock.now = START + 4_999;
    expect(await state()).toEqual({ status: 'waiting', tools: ['v1'] });
    clock.now = START + 5_000;
    expect(await state()).toEqual({ status: 'ready', tools: ['v2'] });
    // Each sync waits again; the deployed tools stay.
    expect(await sync(fake, 'slow')).toEqual({
      status: 200,
      body: { success: true, result: { status: 'waiting' } },
    });
    expect(await state()).toEqual({ status: 'waiting', tools: ['v2'] });
  });

  it('answers an error for a server that needs an administrator, and leaves it as it was', async () => {
    const server: FakeServer = {
      id: 'locked',
      authenticationStatus: 'required',
      status: 'waiting',
    };
    const { fake } = await fakeAt({ servers: [server] });

    expect(await sync(fake, 'locked')).toEqual({
      status: 200,
      body: {
        success: true,
        result: {
          status: 'error',
          error: 'Administrator authentication required',
          error_details: { retryable: false, is_upstream: false },
        },
      },
    });
    expect(resultOf(await read(fake, 'locked'))).toEqual({
      ...plainServer('locked'),
      auth_type: 'oauth',
      authentication_status: 'required',
      status: 'waiting',
    });
  });

  it('answers the scripted replies first, which leave the server as it was', async () => {
    const failure = upstreamFailure('Upstream timed out', { retryable: true, status_code: 504 });
    const { fake } = await fakeAt({
      servers: [
        {
          id: 'flaky',
          status: 'error',
          afterSync: { tools: ['fixed'] },
          syncReplies: [failure, apiError(409, 1009, 'Sync already running')],
        },
      ],
    });

    expect(await sync(fake, 'flaky')).toEqual({
      status: 200,
      body: {
        success: true,
        result: {
          status: 'error',
          error: 'Upstream timed out',
          error_details: { is_upstream: true, retryable: true, status_code: 504 },
        },
      },
    });
    expect(await sync(fake, 'flaky')).toEqual({
      status: 409,
      body: { success: false, errors: [{ code: 1009, message: 'Sync already running' }] },
    });
    expect(resultOf(await read(fake, 'flaky'))).toMatchObject({ status: 'error', tools: [] });
    expect(await sync(fake, 'flaky')).toEqual(READY);
    const after = resultOf(await read(fake, 'flaky'));
    expect(after).toMatchObject({ status: 'ready', tools: [{ name: 'fixed' }] });
    expect(after).not.toHaveProperty('error');
    expect(after).not.toHaveProperty('error_details');
  });

  it.each([
    ['a scripted 200 ready, with the envelope keys the document leaves out', 'ready'],
    ['a scripted 200 waiting', 'waiting'],
  ])('counts %s as a successful sync', async (_name, status) => {
    const body = { success: true, errors: [], messages: [], result: { status } };
    const { fake, clock } = await fakeAt({
      servers: [
        { id: 'deploy', afterSync: { tools: ['new_tool'] }, syncReplies: [{ status: 200, body }] },
      ],
    });
    clock.now = START + 1_000;

    expect(await sync(fake, 'deploy')).toEqual({ status: 200, body });
    expect(resultOf(await read(fake, 'deploy'))).toMatchObject({
      status: 'ready',
      tools: [{ name: 'new_tool' }],
      last_synced: '2026-03-01T12:00:01.000Z',
      last_successful_sync: '2026-03-01T12:00:01.000Z',
    });
  });

  it.each<[string, ScriptedReply]>([
    ['a 200 with an error', upstreamFailure('Upstream said no', { retryable: false })],
    [
      'a 200 whose status is ready beside an error',
      { body: { success: true, result: { status: 'ready', error: 'half' } } },
    ],
    ['a 200 that is not JSON', { status: 200, rawBody: '<html>ok</html>' }],
    ['a 202', { status: 202, body: { success: true, result: { status: 'ready' } } }],
    ['a 500', apiError(500, 1000, 'Internal error')],
  ])('leaves the server as it was after %s', async (_name, reply) => {
    const { fake } = await fakeAt({
      servers: [{ id: 'deploy', afterSync: { tools: ['new_tool'] }, syncReplies: [reply] }],
    });

    await send(fake, 'POST', `${SERVERS_PATH}/deploy/sync`);
    expect(resultOf(await read(fake, 'deploy'))).toEqual(plainServer('deploy'));
  });

  it("answers the document's 404 for a server it does not hold", async () => {
    const { fake } = await fakeAt({ servers: [] });

    expect(await sync(fake, 'gone')).toEqual(NOT_FOUND);
  });

  it('is not a route for GET', async () => {
    const { fake } = await fakeAt({ servers: [{ id: 'docs' }] });

    expect(await call(fake, 'GET', `${SERVERS_PATH}/docs/sync`)).toEqual({
      status: 404,
      body: {
        success: false,
        errors: [
          {
            code: 7003,
            message: `Could not route to ${SERVERS_PATH}/docs/sync, perhaps your object identifier is invalid?`,
          },
        ],
      },
    });
    expect(fake.requests[0]?.kind).toBe('other');
  });
});

describe('GET …/mcp/servers (list pages)', () => {
  const ids = Array.from({ length: 25 }, (_, i) => `srv-${String(i + 1).padStart(2, '0')}`);
  const servers = ids.map((id) => ({ id }));

  it('serves 20 a page by default, as the document says, and only result and success', async () => {
    const { fake } = await fakeAt({ servers });

    expect(await list(fake, '')).toEqual({
      status: 200,
      body: { success: true, result: ids.slice(0, 20).map(plainServer) },
    });
    expect(await list(fake, '?page=2')).toEqual({
      status: 200,
      body: { success: true, result: ids.slice(20).map(plainServer) },
    });
    expect(await list(fake, '?page=3')).toEqual({
      status: 200,
      body: { success: true, result: [] },
    });
  });

  it('serves per_page servers, at most pageSize', async () => {
    const { fake } = await fakeAt({ servers, pageSize: 7 });

    expect(resultOf(await list(fake, '?page=1&per_page=5'))).toEqual(
      ids.slice(0, 5).map(plainServer),
    );
    expect(resultOf(await list(fake, '?page=2&per_page=100'))).toEqual(
      ids.slice(7, 14).map(plainServer),
    );
  });

  it('adds result_info when asked to (the document has none)', async () => {
    const { fake } = await fakeAt({ servers, resultInfo: true });

    expect(await list(fake, '?page=2&per_page=10')).toEqual({
      status: 200,
      body: {
        success: true,
        result: ids.slice(10, 20).map(plainServer),
        result_info: { page: 2, per_page: 10, count: 10, total_count: 25, total_pages: 3 },
      },
    });
  });

  it.each([
    ['?per_page=101', 'per_page must be an integer from 1 to 100'],
    ['?per_page=0', 'per_page must be an integer from 1 to 100'],
    ['?per_page=ten', 'per_page must be an integer from 1 to 100'],
    ['?page=0&per_page=100', 'page must be an integer of at least 1'],
    ['?page=1.5', 'page must be an integer of at least 1'],
  ])("answers %s with the document's 400", async (query, message) => {
    const { fake } = await fakeAt({ servers });

    expect(await list(fake, query)).toEqual({
      status: 400,
      body: { success: false, errors: [{ message }], result: {} },
    });
  });
});

describe('GET …/mcp/portals/{id}', () => {
  const options: FakeApiOptions = {
    servers: [
      { id: 'docs', tools: ['search', 'fetch'], updatedTools: [{ name: 'fetch', alias: 'get' }] },
      {
        id: 'tickets',
        tools: ['open'],
        readyAfterMs: 1_000,
        afterSync: { tools: ['open', 'close'] },
      },
      { id: 'elsewhere' },
    ],
    portals: [
      {
        id: 'team_portal',
        name: 'Team',
        servers: [
          {
            serverId: 'docs',
            updatedTools: [
              { name: 'search', portal_alias: 'docs_search', server_alias: 'search' },
              { name: 'fetch', enabled: false },
            ],
            updatedPrompts: [{ name: 'summarize', enabled: true }],
          },
          { serverId: 'tickets', defaultDisabled: true },
        ],
      },
    ],
  };
  const tool = (name: string): Record<string, unknown> => ({
    name,
    description: `${name} tool`,
    inputSchema: { type: 'object', properties: {} },
  });

  it('answers the mcp_portal with its servers as they read, and the portal overrides', async () => {
    const { fake, clock } = await fakeAt(options);
    expect(await sync(fake, 'tickets')).toEqual({
      status: 200,
      body: { success: true, result: { status: 'waiting' } },
    });
    clock.now = START + 1_000;

    expect(await call(fake, 'GET', `${PORTALS_PATH}/team_portal`)).toEqual({
      status: 200,
      body: {
        success: true,
        result: {
          id: 'team_portal',
          name: 'Team',
          hostname: 'mcp.example.com',
          servers: [
            {
              ...plainServer('docs'),
              server_id: 'docs',
              tools: [tool('search'), tool('fetch')],
              updated_tools: [
                { name: 'search', portal_alias: 'docs_search', server_alias: 'search' },
                { name: 'fetch', enabled: false },
              ],
              updated_prompts: [{ name: 'summarize', enabled: true }],
              default_disabled: false,
            },
            {
              ...plainServer('tickets'),
              server_id: 'tickets',
              tools: [tool('open'), tool('close')],
              last_synced: START_ISO,
              last_successful_sync: START_ISO,
              default_disabled: true,
            },
          ],
        },
      },
    });
    expect(fake.requests.at(-1)).toMatchObject({ kind: 'portal', portalId: 'team_portal' });
  });

  it.each([
    ['a portal it does not hold', 'other'],
    ['an id that breaks the id rule', 'Team_Portal'],
  ])("answers the document's 404 for %s", async (_name, id) => {
    const { fake } = await fakeAt(options);

    expect(await call(fake, 'GET', `${PORTALS_PATH}/${id}`)).toEqual(NOT_FOUND);
    expect(fake.requests[0]).toMatchObject({ kind: 'portal', portalId: id });
  });

  it('refuses a portal that names a server the fake does not hold', () => {
    expect(
      () => new FakeCloudflareApi({ portals: [{ id: 'p', servers: [{ serverId: 'missing' }] }] }),
    ).toThrow('portal p names missing, which the fake does not hold');
  });
});

describe('the request log', () => {
  it('records each request with its body, and its answer: status, headers and body text', async () => {
    const { fake, clock } = await fakeAt({ servers: [{ id: 'docs' }] });
    clock.now = START + 5;

    const { text } = await send(fake, 'POST', `${SERVERS_PATH}/docs/sync`, {
      headers: { authorization: `Bearer ${DEMO_TOKEN}`, 'content-type': 'application/json' },
      body: '{"force":true}',
    });

    expect(fake.requests).toHaveLength(1);
    const [recorded] = fake.requests;
    expect(recorded).toMatchObject({
      method: 'POST',
      url: `${SERVERS_PATH}/docs/sync`,
      requestBody: '{"force":true}',
      at: START + 5,
      kind: 'sync',
      serverId: 'docs',
      status: 200,
      responseBody: '{"success":true,"result":{"status":"ready"}}',
      syncsInFlight: 1,
    });
    expect(text).toBe(recorded?.responseBody);
    expect(recorded?.responseHeaders).toEqual({
      'content-type': 'application/json',
      'content-length': String(text.length),
      'cf-ray': expect.stringMatching(/^[0-9a-f]{16}-LHR$/),
      ratelimit: '"default";r=1199;t=300',
      'ratelimit-policy': '"default";q=1200;w=300',
    });
  });

  it('records a refused credential as a 403 that never reaches the route', async () => {
    const { fake } = await fakeAt({ servers: [{ id: 'docs' }] });

    expect(
      await call(fake, 'POST', `${SERVERS_PATH}/docs/sync`, { authorization: 'Bearer wrong' }),
    ).toEqual({
      status: 403,
      body: { success: false, errors: [{ code: 10000, message: 'Authentication error' }] },
    });
    expect(fake.syncs()).toHaveLength(1);
    expect(resultOf(await read(fake, 'docs'))).not.toHaveProperty('last_synced');
  });

  it('accepts the legacy email and key when given them', async () => {
    const { fake } = await fakeAt({
      email: 'bot@example.com',
      key: 'legacy-key',
      servers: [{ id: 'docs' }],
    });

    expect(
      await call(fake, 'GET', `${SERVERS_PATH}/docs`, {
        'x-auth-email': 'bot@example.com',
        'x-auth-key': 'legacy-key',
      }),
    ).toEqual({ status: 200, body: { success: true, result: plainServer('docs') } });
  });
});
