// Before and After readings of tools and prompts, in-process: one read of the server for a single
// server, list pages (never per-server reads) for several, stopping at the page that holds the
// last one wanted; a failed reading is a warning, never a failure; expected-tools is checked per
// server against what the After reading offers.
import { describe, expect, it } from '@jest/globals';
import {
  apiError,
  type FakeServer,
  type RecordedRequest,
} from '../../scripts/fake-cloudflare-api.js';
import { expectedResult, replyDuring, runFleet } from '../support/fleet-checks.js';
import {
  SERVERS_PATH,
  annotations,
  pageOf,
  requestLines,
  resultsOf,
  serverIds,
  startFake,
} from '../support/harness.js';

interface Listed {
  id: string;
  tools: string[];
  prompts: string[];
}

/** 250 servers, three list pages: each with its own tools and prompt, and a tool they share. */
const ACCOUNT: Listed[] = serverIds(250, 'mcp').map((id, i) => ({
  id,
  tools: [`tool_${i + 1}a`, `tool_${i + 1}b`, 'health'],
  prompts: [`prompt_${i + 1}`],
}));

/** The n-th server of ACCOUNT, from 1. */
const server = (n: number): Listed => ACCOUNT[n - 1] as Listed;

/** A request as `list page N`, `read ID` or `sync ID`. */
function described(request: RecordedRequest): string {
  return request.kind === 'list'
    ? `list page ${pageOf(request)}`
    : `${request.kind} ${request.serverId ?? request.url}`;
}

describe('Before and After of several servers', () => {
  it.each([
    { name: 'six on page 1', synced: [1, 2, 3, 4, 5, 6], pages: 1 },
    { name: 'two on page 1: page 2 is never read', synced: [1, 2], pages: 1 },
    { name: 'two on page 2: page 3 is never read', synced: [150, 120], pages: 2 },
    { name: 'the first and the last', synced: [1, 250], pages: 3 },
    { name: 'three on pages 3 and 1', synced: [201, 250, 5], pages: 3 },
  ])(
    'come from list pages 1…$pages, before and after the syncs, without reads ($name)',
    async ({ synced, pages }) => {
      const fake = await startFake({ servers: ACCOUNT });
      const wanted = synced.map(server);

      const run = await runFleet(fake, { 'server-id': wanted.map((s) => s.id).join(',') });

      expect(run.exitCode).toBe(0);
      const listed = Array.from({ length: pages }, (_, i) => `list page ${i + 1}`);
      const requests = fake.requests.map(described);
      expect(requests).toHaveLength(pages + wanted.length + pages);
      expect(requests.slice(0, pages)).toEqual(listed);
      expect(requests.slice(pages, -pages).sort()).toEqual(
        wanted.map((s) => `sync ${s.id}`).sort(),
      );
      expect(requests.slice(-pages)).toEqual(listed);
      expect(resultsOf(run)).toEqual(
        wanted.map(({ id, tools, prompts }) => expectedResult(fake, id, { tools, prompts })),
      );
    },
  );

  const LIST_DOWN = apiError(500, 1000, 'list down');
  const LIST_DOWN_ERROR =
    'could not list MCP servers (page 1): HTTP 500: list down (1000) (gave up after 2 attempts: max-attempts (2) used up)';
  const ids = [server(1).id, server(2).id];

  it.each([
    {
      when: 'before the sync',
      phase: 'before' as const,
      requests: ['list page 1', 'list page 1', 'sync', 'sync', 'list page 1'],
      after: true,
      warning: `changes unknown: the server could not be read before the sync (${LIST_DOWN_ERROR})`,
    },
    {
      when: 'after the sync',
      phase: 'after' as const,
      requests: ['list page 1', 'sync', 'sync', 'list page 1', 'list page 1'],
      after: false,
      warning: `tools and prompts unknown: the server could not be read after the sync (${LIST_DOWN_ERROR})`,
    },
    {
      // Only the Before reading is warned about: nothing says the tools were not read either.
      when: 'before and after the sync',
      phase: 'both' as const,
      requests: ['list page 1', 'list page 1', 'sync', 'sync', 'list page 1', 'list page 1'],
      after: false,
      warning: `changes unknown: the server could not be read before the sync (${LIST_DOWN_ERROR})`,
    },
  ])(
    'a list that cannot be read $when is a warning per server, not a failure',
    async ({ phase, requests, after, warning }) => {
      const fake = await startFake({
        servers: ACCOUNT,
        intercept: replyDuring(phase, 'list', LIST_DOWN),
      });

      const run = await runFleet(fake, { 'server-id': ids.join(','), 'max-attempts': '2' });

      expect(run.exitCode).toBe(0);
      expect(run.outputs).toMatchObject({ status: 'ready', error: '', attempts: '2' });
      expect(fake.requests.map((r) => (r.kind === 'sync' ? 'sync' : described(r)))).toEqual(
        requests,
      );
      expect(annotations(run, 'warning')).toEqual(
        ids.map((id) => `::warning title=MCP server ${id}::${warning}`),
      );
      // Without both readings there is no verdict on changes; without After, no tools.
      expect(resultsOf(run)).toEqual(
        [1, 2].map((n) => {
          const { id, tools, prompts } = server(n);
          return expectedResult(fake, id, {
            authentication_status: phase === 'both' ? null : 'not_required',
            tools: after ? tools : null,
            prompts: after ? prompts : null,
            changes: null,
          });
        }),
      );
    },
  );
});

describe('Before and After of a single server', () => {
  it('come from a read of that server each', async () => {
    const fake = await startFake({ servers: ACCOUNT });

    const run = await runFleet(fake, { 'server-id': 'mcp-004' });

    expect(run.exitCode).toBe(0);
    expect(requestLines(fake)).toEqual([
      `GET ${SERVERS_PATH}/mcp-004`,
      `POST ${SERVERS_PATH}/mcp-004/sync`,
      `GET ${SERVERS_PATH}/mcp-004`,
    ]);
    expect(resultsOf(run)).toEqual([
      expectedResult(fake, 'mcp-004', {
        tools: ['tool_4a', 'tool_4b', 'health'],
        prompts: ['prompt_4'],
      }),
    ]);
  });

  it('a read that fails before and after is a warning, not a failure', async () => {
    const fake = await startFake({
      servers: ACCOUNT,
      intercept: replyDuring('both', 'read', apiError(500, 1000, 'read down')),
    });

    const run = await runFleet(fake, { 'server-id': 'mcp-001', 'max-attempts': '2' });

    expect(run.exitCode).toBe(0);
    expect(run.outputs).toMatchObject({ status: 'ready', error: '', retryable: '', attempts: '1' });
    expect(fake.requests.map(described)).toEqual([
      'read mcp-001',
      'read mcp-001',
      'sync mcp-001',
      'read mcp-001',
      'read mcp-001',
    ]);
    expect(annotations(run, 'warning')).toEqual([
      '::warning title=MCP server mcp-001::changes unknown: the server could not be read before the sync (HTTP 500: read down (1000) (gave up after 2 attempts: max-attempts (2) used up))',
    ]);
    expect(resultsOf(run)).toEqual([
      expectedResult(fake, 'mcp-001', {
        authentication_status: null,
        tools: null,
        prompts: null,
        changes: null,
      }),
    ]);
  });
});

describe('expected-tools', () => {
  const ids = (...numbers: number[]): string => numbers.map((n) => server(n).id).join(',');

  it.each<{ name: string; servers: number[]; expected: string; failed: Record<number, string> }>([
    { name: 'one server, all present', servers: [1], expected: 'tool_1a,health', failed: {} },
    { name: 'several servers, all present', servers: [1, 2, 3], expected: 'health', failed: {} },
    {
      name: 'one server, one missing',
      servers: [5],
      expected: 'tool_5a\nlint',
      failed: { 5: 'missing expected tool: lint' },
    },
    {
      name: 'several servers, a tool only one of them has',
      servers: [1, 2, 3],
      expected: 'health\ntool_1a\n',
      failed: { 2: 'missing expected tool: tool_1a', 3: 'missing expected tool: tool_1a' },
    },
    {
      name: 'several servers, several missing',
      servers: [1, 2],
      expected: 'tool_2b, lint,deploy',
      failed: {
        1: 'missing expected tools: tool_2b, lint, deploy',
        2: 'missing expected tools: lint, deploy',
      },
    },
  ])('$name', async ({ servers, expected, failed }) => {
    const fake = await startFake({ servers: ACCOUNT });

    const run = await runFleet(fake, { 'server-id': ids(...servers), 'expected-tools': expected });

    const failures = servers.flatMap((n) => {
      const message = failed[n];
      return message === undefined ? [] : [{ id: server(n).id, message }];
    });
    expect(run.exitCode).toBe(failures.length === 0 ? 0 : 1);
    expect(run.outputs.error).toBe(
      servers.length === 1
        ? failures.map(({ message }) => message).join('')
        : failures.map(({ id, message }) => `${id}: ${message}`).join('\n'),
    );
    const hint =
      'check that the deploy shipped the tool, and that no server or portal override disables it';
    expect(annotations(run, 'error').slice(1)).toEqual(
      failures.map(
        ({ id, message }) => `::error title=MCP server ${id} failed to sync::${message} → ${hint}`,
      ),
    );
    expect(resultsOf(run)).toEqual(
      servers.map((n) => {
        const { id, tools, prompts } = server(n);
        const error = failed[n];
        return expectedResult(fake, id, {
          tools,
          prompts,
          ...(error === undefined ? {} : { status: 'error', error }),
        });
      }),
    );
  });

  it('fails every server when the tools could not be read', async () => {
    const fake = await startFake({
      servers: ACCOUNT,
      intercept: replyDuring('both', 'list', apiError(500, 1000, 'list unavailable')),
    });

    const run = await runFleet(fake, {
      'server-id': ids(1, 2),
      'expected-tools': 'tool_1a',
      'max-attempts': '2',
    });

    expect(run.exitCode).toBe(1);
    const error = 'expected-tools could not be checked: the tools of the server were not read';
    expect(run.outputs.error?.split('\n')).toEqual([`mcp-001: ${error}`, `mcp-002: ${error}`]);
    expect(resultsOf(run)).toEqual(
      ['mcp-001', 'mcp-002'].map((id) =>
        expectedResult(fake, id, {
          status: 'error',
          authentication_status: null,
          error,
          tools: null,
          prompts: null,
          changes: null,
        }),
      ),
    );
  });

  it('across a fleet of 150 is checked on the After list pages: a disabled tool is not offered, an aliased one is', async () => {
    const fleet: FakeServer[] = serverIds(150).map((id) => ({ id, tools: ['search', 'fetch'] }));
    const lacking = (id: string): FakeServer => ({ id, tools: ['search'] });
    fleet[9] = lacking('srv-010');
    fleet[119] = lacking('srv-120');
    fleet[129] = {
      id: 'srv-130',
      tools: ['search', 'fetch'],
      updatedTools: [{ name: 'fetch', enabled: false }],
    };
    fleet[139] = {
      id: 'srv-140',
      tools: ['search', 'fetch'],
      updatedTools: [{ name: 'fetch', alias: 'get_page' }],
    };
    const fake = await startFake({ servers: fleet });
    const ids = fleet.map((s) => s.id);

    const run = await runFleet(fake, {
      'server-id': ids.join('\n'),
      'expected-tools': 'search,fetch',
      concurrency: '16',
    });

    const failed = ['srv-010', 'srv-120', 'srv-130'];
    expect(run.exitCode).toBe(1);
    expect(run.outputs.error?.split('\n')).toEqual(
      failed.map((id) => `${id}: missing expected tool: fetch`),
    );
    // Pages 1 and 2 (50 servers: the last) before, the syncs, pages 1 and 2 after: no reads.
    const requests = fake.requests.map(described);
    expect(requests).toHaveLength(2 + 150 + 2);
    expect([...requests.slice(0, 2), ...requests.slice(-2)]).toEqual([
      'list page 1',
      'list page 2',
      'list page 1',
      'list page 2',
    ]);
    expect(requests.slice(2, -2).sort()).toEqual(ids.map((id) => `sync ${id}`));
    expect(resultsOf(run)).toEqual(
      ids.map((id) =>
        failed.includes(id)
          ? expectedResult(fake, id, {
              status: 'error',
              error: 'missing expected tool: fetch',
              tools: ['search'],
            })
          : expectedResult(fake, id, { tools: ['search', 'fetch'] }),
      ),
    );
  });
});
