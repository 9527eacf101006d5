// portal-id: every server of an MCP portal, read with one `GET …/mcp/portals/{id}` that serves as
// their Before and After; with server-id too, the union; the portal's own overrides decide which
// tools its users are offered; an unknown portal fails the step before any sync.
import { describe, expect, it } from '@jest/globals';
import { apiError, type FakePortal, type FakeServer } from '../../scripts/fake-cloudflare-api.js';
import {
  ACCOUNT_ID,
  NO_CHANGES,
  annotationMessage,
  annotations,
  baseInputs,
  logLines,
  envelope,
  ofKind,
  replyTo,
  resultsOf,
  startFake,
  syncCounts,
} from '../support/harness.js';
import { runInProcess } from '../support/in-process.js';

const SERVERS: FakeServer[] = [
  { id: 'docs-mcp', tools: ['search_docs', 'fetch_page', 'health'], prompts: ['summarize'] },
  { id: 'wiki-mcp', tools: ['wiki_search', 'health'] },
  { id: 'extra-mcp', tools: ['extra_tool', 'health'] },
];

const PORTAL: FakePortal = {
  id: 'eng-portal',
  servers: [{ serverId: 'docs-mcp' }, { serverId: 'wiki-mcp' }],
};

describe('portal-id', () => {
  it('alone: one portal read as Before, a sync per server, one portal read as After', async () => {
    const fake = await startFake({ servers: SERVERS, portals: [PORTAL] });

    const run = await runInProcess({ ...baseInputs(fake), 'portal-id': 'eng-portal' });

    expect(run.exitCode).toBe(0);
    expect(run.outputs).toMatchObject({ status: 'ready', error: '', attempts: '2' });
    const kinds = fake.requests.map((request) => request.kind);
    expect(kinds).toEqual(['portal', 'sync', 'sync', 'portal']);
    expect(ofKind(fake, 'portal').map((request) => request.portalId)).toEqual([
      'eng-portal',
      'eng-portal',
    ]);
    expect(syncCounts(fake)).toEqual({ 'docs-mcp': 1, 'wiki-mcp': 1 });
    expect(
      resultsOf(run).map(({ server_id, status, tools, prompts, changes }) => ({
        server_id,
        status,
        tools,
        prompts,
        changes,
      })),
    ).toEqual([
      {
        server_id: 'docs-mcp',
        status: 'ready',
        tools: ['search_docs', 'fetch_page', 'health'],
        prompts: ['summarize'],
        changes: NO_CHANGES,
      },
      {
        server_id: 'wiki-mcp',
        status: 'ready',
        tools: ['wiki_search', 'health'],
        prompts: [],
        changes: NO_CHANGES,
      },
    ]);
    expect(annotations(run, 'warning')).toEqual([]);
  });

  it('with server-id: the union, explicit ids first, a server named by both synced once', async () => {
    const fake = await startFake({ servers: SERVERS, portals: [PORTAL] });

    const run = await runInProcess({
      ...baseInputs(fake),
      'portal-id': 'eng-portal',
      'server-id': 'extra-mcp, docs-mcp',
    });

    expect(run.exitCode).toBe(0);
    expect(run.outputs).toMatchObject({ status: 'ready', attempts: '3' });
    expect(resultsOf(run).map((result) => result.server_id)).toEqual([
      'extra-mcp',
      'docs-mcp',
      'wiki-mcp',
    ]);
    expect(syncCounts(fake)).toEqual({ 'extra-mcp': 1, 'docs-mcp': 1, 'wiki-mcp': 1 });
    // The portal's servers through the portal, the one other server through its own read: Before
    // and After alike, never a read per portal server.
    expect(ofKind(fake, 'portal')).toHaveLength(2);
    expect(ofKind(fake, 'read').map((request) => request.serverId)).toEqual([
      'extra-mcp',
      'extra-mcp',
    ]);
    expect(ofKind(fake, 'list')).toEqual([]);
    expect(resultsOf(run).map((result) => result.changes)).toEqual([
      NO_CHANGES,
      NO_CHANGES,
      NO_CHANGES,
    ]);
  });

  it('a tool disabled by the portal or by the server is not offered: expected-tools fails on it', async () => {
    const fake = await startFake({
      servers: SERVERS.map((server) =>
        server.id === 'extra-mcp'
          ? { ...server, updatedTools: [{ name: 'health', enabled: false }] }
          : server.id === 'docs-mcp'
            ? // An alias renames the tool for portal users; expected-tools names it upstream.
              { ...server, updatedTools: [{ name: 'health', alias: 'docs_health' }] }
            : server,
      ),
      portals: [
        {
          id: 'eng-portal',
          servers: [
            // Off in the portal unless enabled there.
            {
              serverId: 'docs-mcp',
              defaultDisabled: true,
              updatedTools: [
                { name: 'search_docs', enabled: true },
                { name: 'health', enabled: true },
              ],
            },
            { serverId: 'wiki-mcp', updatedTools: [{ name: 'health', enabled: false }] },
          ],
        },
      ],
    });

    const run = await runInProcess({
      ...baseInputs(fake),
      'portal-id': 'eng-portal',
      'server-id': 'extra-mcp',
      'expected-tools': 'health',
    });

    expect(run.exitCode).toBe(1);
    expect(run.outputs).toMatchObject({
      status: 'error',
      attempts: '3',
      error: 'extra-mcp: missing expected tool: health\nwiki-mcp: missing expected tool: health',
    });
    expect(
      resultsOf(run).map(({ server_id, status, error, tools }) => ({
        server_id,
        status,
        error,
        tools,
      })),
    ).toEqual([
      {
        server_id: 'extra-mcp',
        status: 'error',
        error: 'missing expected tool: health',
        tools: ['extra_tool'],
      },
      { server_id: 'docs-mcp', status: 'ready', error: null, tools: ['search_docs', 'health'] },
      {
        server_id: 'wiki-mcp',
        status: 'error',
        error: 'missing expected tool: health',
        tools: ['wiki_search'],
      },
    ]);
  });

  it('an unknown portal fails the step before any sync, naming the portal', async () => {
    const fake = await startFake({ servers: SERVERS, portals: [PORTAL] });

    const run = await runInProcess({ ...baseInputs(fake), 'portal-id': 'no-such-portal' });

    const message = `no MCP portal no-such-portal in account ${ACCOUNT_ID}: check portal-id against the portal's id in the Cloudflare dashboard (Zero Trust → Access → AI controls → MCP portals)`;
    expect(run.exitCode).toBe(1);
    expect(fake.requests.map((request) => [request.kind, request.portalId])).toEqual([
      ['portal', 'no-such-portal'],
    ]);
    expect(run.outputs).toMatchObject({
      status: 'error',
      error: message,
      attempts: '0',
      results: '[]',
    });
    expect(annotations(run, 'error').map(annotationMessage)).toEqual([message]);
  });

  it.each([
    ['another portal', { id: 'other-portal', servers: [] }],
    ['no servers array', { id: 'eng-portal' }],
  ])('a portal read that answers %s fails the step before any sync', async (_case, result) => {
    const fake = await startFake({
      servers: SERVERS,
      portals: [PORTAL],
      intercept: replyTo('portal', { status: 200, body: envelope(result) }),
    });

    const run = await runInProcess({ ...baseInputs(fake), 'portal-id': 'eng-portal' });

    const message = 'could not read MCP portal eng-portal: the response holds no such portal';
    expect(run.exitCode).toBe(1);
    expect(fake.requests.map((request) => request.kind)).toEqual(['portal']);
    expect(run.outputs).toMatchObject({ status: 'error', error: message, attempts: '0' });
  });

  it('a portal read that keeps failing fails the step, saying why', async () => {
    const fake = await startFake({
      servers: SERVERS,
      portals: [PORTAL],
      intercept: replyTo('portal', apiError(400, 10_000, 'bad portal request')),
    });

    const run = await runInProcess({ ...baseInputs(fake), 'portal-id': 'eng-portal' });

    expect(run.exitCode).toBe(1);
    expect(run.outputs).toMatchObject({
      status: 'error',
      error: 'could not read MCP portal eng-portal: HTTP 400: bad portal request (10000)',
      attempts: '0',
    });
    expect(
      logLines(run).filter((line) =>
        line.startsWith('read portal eng-portal: attempt 1/5: HTTP 400'),
      ),
    ).toHaveLength(1);
  });

  it('leaves out a server of the portal whose id breaks the id rule', async () => {
    const fake = await startFake({
      servers: SERVERS,
      portals: [PORTAL],
      intercept: replyTo('portal', {
        status: 200,
        body: envelope({
          id: 'eng-portal',
          servers: [
            { id: 'docs-mcp', tools: [] },
            { id: '../zones', tools: [] },
          ],
        }),
      }),
    });

    const run = await runInProcess({ ...baseInputs(fake), 'portal-id': 'eng-portal' });

    expect(run.exitCode).toBe(0);
    expect(syncCounts(fake)).toEqual({ 'docs-mcp': 1 });
    expect(resultsOf(run).map((result) => result.server_id)).toEqual(['docs-mcp']);
  });

  it('says when the servers have left the portal by the time of the After read', async () => {
    let portalReads = 0;
    const fake = await startFake({
      servers: SERVERS,
      portals: [PORTAL],
      intercept: (request) => {
        if (request.kind !== 'portal') return undefined;
        portalReads += 1;
        if (portalReads === 1) return undefined;
        return { status: 200, body: envelope({ id: 'eng-portal', servers: [] }) };
      },
    });

    const run = await runInProcess({ ...baseInputs(fake), 'portal-id': 'eng-portal' });

    expect(run.exitCode).toBe(0);
    expect(annotations(run, 'warning').map(annotationMessage)).toEqual(
      ['docs-mcp', 'wiki-mcp'].map(
        (id) =>
          `tools and prompts unknown: the server could not be read after the sync (${id} is not among the servers of portal eng-portal)`,
      ),
    );
  });

  it('warns of a portal without servers, and passes with nothing synced', async () => {
    const fake = await startFake({
      servers: SERVERS,
      portals: [{ id: 'empty-portal', servers: [] }],
    });

    const run = await runInProcess({ ...baseInputs(fake), 'portal-id': 'empty-portal' });

    expect(run.exitCode).toBe(0);
    expect(fake.requests.map((request) => request.kind)).toEqual(['portal']);
    expect(annotations(run, 'warning').map(annotationMessage)).toEqual([
      'MCP portal empty-portal has no servers',
    ]);
    expect(run.outputs).toMatchObject({ status: 'ready', attempts: '0', results: '[]' });
  });
});
