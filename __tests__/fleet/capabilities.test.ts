// Tools and prompts after the sync: one read for a single server, list pages (never per-server
// reads) for several; a failed read is only a warning; expected-tools is checked per server.
import { describe, expect, it } from '@jest/globals';
import {
  apiError,
  type FakeServer,
  type RecordedRequest,
  type ScriptedReply,
} from '../../scripts/fake-cloudflare-api.js';
import {
  SERVERS_PATH,
  annotations,
  ofKind,
  pageOf,
  replyTo,
  resultsOf,
  runAgainst,
  startFake,
} from '../support/harness.js';

/** Six servers, each with its own tools and prompts, and a tool they all share. */
const ACCOUNT: FakeServer[] = Array.from({ length: 6 }, (_, i) => ({
  id: `mcp-${i + 1}`,
  tools: [`tool_${i + 1}a`, `tool_${i + 1}b`, 'health'],
  prompts: [`prompt_${i + 1}`],
}));

/**
 * Syncs `ids` while every `kind` request (the list, or the read of one server) is answered with
 * `failure`, and asserts that the step passes as ready with null tools and prompts and just
 * `warning` to say why.
 */
async function expectToolsUnread(
  kind: RecordedRequest['kind'],
  failure: ScriptedReply,
  ids: string[],
  warning: string,
): Promise<void> {
  const fake = await startFake({ servers: ACCOUNT, intercept: replyTo(kind, failure) });

  const run = await runAgainst(fake, { 'server-id': ids.join(',') });

  expect(run.exitCode).toBe(0);
  expect(run.outputs).toMatchObject({
    status: 'ready',
    error: '',
    retryable: '',
    attempts: String(ids.length),
  });
  expect(annotations(run, 'warning')).toEqual([warning]);
  expect(resultsOf(run).map(({ status, tools, prompts }) => ({ status, tools, prompts }))).toEqual(
    ids.map(() => ({ status: 'ready', tools: null, prompts: null })),
  );
}

describe('tools and prompts of several servers', () => {
  it.each([
    { synced: [1, 2, 3, 4, 5, 6], pageSize: 100, pages: 1 },
    { synced: [1, 2, 3, 4, 5, 6], pageSize: 2, pages: 3 },
    { synced: [1, 2], pageSize: 2, pages: 1 }, // all found on page 1: no more pages
    { synced: [3, 6], pageSize: 2, pages: 3 },
    { synced: [2, 3], pageSize: 4, pages: 1 },
  ])(
    'come from $pages list page(s) (page size $pageSize, servers $synced), without reads',
    async ({ synced, pageSize, pages }) => {
      const fake = await startFake({ servers: ACCOUNT, pageSize });
      const wanted = synced.map((n) => ACCOUNT[n - 1] as FakeServer);

      const run = await runAgainst(fake, { 'server-id': wanted.map((s) => s.id).join(',') });

      expect(run.exitCode).toBe(0);
      expect(ofKind(fake, 'read')).toEqual([]);
      expect(ofKind(fake, 'list').map(pageOf)).toEqual(
        Array.from({ length: pages }, (_, i) => i + 1),
      );
      expect(fake.requests).toHaveLength(wanted.length + pages);
      expect(
        resultsOf(run).map(({ server_id, tools, prompts }) => ({ server_id, tools, prompts })),
      ).toEqual(wanted.map(({ id, tools, prompts }) => ({ server_id: id, tools, prompts })));
    },
  );

  it('are a warning, not a failure, when the list cannot be read', async () => {
    await expectToolsUnread(
      'list',
      apiError(403, 10000, 'Authentication error'),
      ['mcp-1', 'mcp-2'],
      '::warning::tools and prompts not read: could not list MCP servers (page 1): HTTP 403: Authentication error (10000)',
    );
  });
});

describe('tools and prompts of a single server', () => {
  it('come from one read of that server', async () => {
    const fake = await startFake({ servers: ACCOUNT, pageSize: 1 });

    const run = await runAgainst(fake, { 'server-id': 'mcp-4' });

    expect(run.exitCode).toBe(0);
    expect(fake.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      `POST ${SERVERS_PATH}/mcp-4/sync`,
      `GET ${SERVERS_PATH}/mcp-4`,
    ]);
    expect(resultsOf(run)[0]).toMatchObject({
      tools: ['tool_4a', 'tool_4b', 'health'],
      prompts: ['prompt_4'],
    });
  });

  it('are a warning, not a failure, when the read fails', async () => {
    await expectToolsUnread(
      'read',
      apiError(404, 1003, 'MCP server vanished'),
      ['mcp-1'],
      '::warning::tools and prompts of mcp-1 not read: HTTP 404: MCP server vanished (1003)',
    );
  });
});

describe('expected-tools', () => {
  const ids = (...numbers: number[]): string => numbers.map((n) => `mcp-${n}`).join(',');

  it.each<{ name: string; servers: number[]; expected: string; failed: Record<string, string> }>([
    { name: 'one server, all present', servers: [1], expected: 'tool_1a,health', failed: {} },
    { name: 'several servers, all present', servers: [1, 2, 3], expected: 'health', failed: {} },
    {
      name: 'one server, one missing',
      servers: [5],
      expected: 'tool_5a\nlint',
      failed: { 'mcp-5': 'missing expected tool: lint' },
    },
    {
      name: 'several servers, a tool only one of them has',
      servers: [1, 2, 3],
      expected: 'health\ntool_1a\n',
      failed: {
        'mcp-2': 'missing expected tool: tool_1a',
        'mcp-3': 'missing expected tool: tool_1a',
      },
    },
    {
      name: 'several servers, several missing',
      servers: [1, 2],
      expected: 'tool_2b, lint,deploy',
      failed: {
        'mcp-1': 'missing expected tools: tool_2b, lint, deploy',
        'mcp-2': 'missing expected tools: lint, deploy',
      },
    },
  ])('$name', async ({ servers, expected, failed }) => {
    const fake = await startFake({ servers: ACCOUNT });

    const run = await runAgainst(fake, {
      'server-id': ids(...servers),
      'expected-tools': expected,
    });

    const failures = Object.entries(failed);
    expect(run.exitCode).toBe(failures.length === 0 ? 0 : 1);
    expect(run.outputs.error).toBe(
      servers.length === 1
        ? failures.map(([, message]) => message).join('')
        : failures.map(([id, message]) => `${id}: ${message}`).join('\n'),
    );
    expect(annotations(run, 'error').filter((line) => line.startsWith('::error title='))).toEqual(
      failures.map(([id, message]) => `::error title=MCP server ${id} failed to sync::${message}`),
    );
    expect(resultsOf(run).map((result) => result.error)).toEqual(
      servers.map((n) => failed[`mcp-${n}`] ?? null),
    );
  });

  it('fails every server when the tools could not be read', async () => {
    const fake = await startFake({
      servers: ACCOUNT,
      intercept: replyTo('list', apiError(500, 1000, 'list unavailable')),
    });

    const run = await runAgainst(fake, {
      'server-id': ids(1, 2),
      'expected-tools': 'tool_1a',
      'max-attempts': '2',
    });

    expect(run.exitCode).toBe(1);
    expect(run.outputs.error?.split('\n')).toEqual(
      ['mcp-1', 'mcp-2'].map(
        (id) => `${id}: expected-tools could not be checked: the tools of the server were not read`,
      ),
    );
  });
});
