// dry-run: no sync is sent; the selected servers are read (one read, or list pages) and reported
// as they stand: status as read, attempts 0, and the checks a sync would face (expected-tools,
// authentication) fail a server as they would after a sync.
import { describe, expect, it } from '@jest/globals';
import type { FakeServer } from '../../scripts/fake-cloudflare-api.js';
import {
  ACCOUNT_ID,
  annotationMessage,
  annotations,
  baseInputs,
  decodeHtml,
  ofKind,
  resultsOf,
  startFake,
} from '../support/harness.js';
import { runInProcess } from '../support/in-process.js';

const ADMIN_LOGIN =
  'an administrator must authenticate this MCP server in the Cloudflare dashboard (Zero Trust → Access → AI controls → MCP servers → the server → Authenticate) before it can sync';

const ACCOUNT: FakeServer[] = [
  { id: 'ready-mcp', tools: ['search_docs', 'fetch_page'], prompts: ['summarize'] },
  { id: 'login-mcp', tools: ['search_docs', 'fetch_page'], authenticationStatus: 'required' },
  { id: 'short-mcp', tools: ['search_docs'] },
  { id: 'slow-mcp', tools: ['search_docs', 'fetch_page'], status: 'waiting' },
];

describe('dry-run', () => {
  it('reads a fleet through one list page, sends no sync and reports each server as it stands', async () => {
    const fake = await startFake({ servers: ACCOUNT });

    const run = await runInProcess({
      ...baseInputs(fake),
      'server-id': ACCOUNT.map((server) => server.id).join('\n'),
      'dry-run': 'true',
      'expected-tools': 'search_docs, fetch_page',
    });

    expect(fake.requests.filter((request) => request.method !== 'GET')).toEqual([]);
    expect(fake.requests.map((request) => request.kind)).toEqual(['list']);
    expect(run.exitCode).toBe(1);
    expect(run.outputs).toMatchObject({
      status: 'error',
      attempts: '0',
      error: `login-mcp: ${ADMIN_LOGIN}\nshort-mcp: missing expected tool: fetch_page`,
      'breaking-changes': '',
    });
    expect(
      resultsOf(run).map(
        ({ server_id, status, authentication_status, error, attempts, tools }) => ({
          server_id,
          status,
          authentication_status,
          error,
          attempts,
          tools,
        }),
      ),
    ).toEqual([
      {
        server_id: 'ready-mcp',
        status: 'ready',
        authentication_status: 'not_required',
        error: null,
        attempts: 0,
        tools: ['search_docs', 'fetch_page'],
      },
      {
        server_id: 'login-mcp',
        status: 'error',
        authentication_status: 'required',
        error: ADMIN_LOGIN,
        attempts: 0,
        tools: ['search_docs', 'fetch_page'],
      },
      {
        server_id: 'short-mcp',
        status: 'error',
        authentication_status: 'not_required',
        error: 'missing expected tool: fetch_page',
        attempts: 0,
        tools: ['search_docs'],
      },
      // As read: still connecting is no failure without a sync to wait for.
      {
        server_id: 'slow-mcp',
        status: 'waiting',
        authentication_status: 'not_required',
        error: null,
        attempts: 0,
        tools: ['search_docs', 'fetch_page'],
      },
    ]);
    // Nothing was synced, so there is nothing to compare.
    expect(resultsOf(run).map((result) => result.changes)).toEqual([null, null, null, null]);
    expect(annotations(run, 'error').map(annotationMessage)).toEqual([
      '2 of 4 MCP servers failed the dry run: login-mcp, short-mcp',
      `${ADMIN_LOGIN}`,
      'missing expected tool: fetch_page → check that the deploy shipped the tool, and that no server or portal override disables it',
    ]);
    expect(annotations(run, 'warning')).toEqual([
      '::warning title=MCP server slow-mcp::still connecting to its upstream MCP server when the step ended: its tools may change once it is ready',
    ]);
    expect(decodeHtml(run.summary)).toContain('Cloudflare MCP server sync (dry run)');
  });

  it('a ready server passes: one read, no sync, attempts 0', async () => {
    const fake = await startFake({ servers: ACCOUNT });

    const run = await runInProcess({
      ...baseInputs(fake),
      'server-id': 'ready-mcp',
      'dry-run': 'true',
      'expected-tools': 'fetch_page',
    });

    expect(run.exitCode).toBe(0);
    expect(
      fake.requests.map((request) => [request.method, request.kind, request.serverId]),
    ).toEqual([['GET', 'read', 'ready-mcp']]);
    expect(run.outputs).toMatchObject({ status: 'ready', error: '', attempts: '0' });
    expect(resultsOf(run)).toEqual([
      expect.objectContaining({
        server_id: 'ready-mcp',
        status: 'ready',
        error: null,
        attempts: 0,
        tools: ['search_docs', 'fetch_page'],
        prompts: ['summarize'],
      }),
    ]);
    expect(annotations(run, 'error')).toEqual([]);
    expect(annotations(run, 'warning')).toEqual([]);
  });

  it('a server that needs an administrator fails without a sync', async () => {
    const fake = await startFake({ servers: ACCOUNT });

    const run = await runInProcess({
      ...baseInputs(fake),
      'server-id': 'login-mcp',
      'dry-run': 'true',
    });

    expect(run.exitCode).toBe(1);
    expect(ofKind(fake, 'sync')).toEqual([]);
    expect(run.outputs).toMatchObject({
      status: 'error',
      error: ADMIN_LOGIN,
      retryable: 'false',
      attempts: '0',
    });
  });

  it('an id the account lacks fails the dry run, naming the account', async () => {
    const fake = await startFake({ servers: ACCOUNT });

    const run = await runInProcess({
      ...baseInputs(fake),
      'server-id': 'no-such-mcp',
      'dry-run': 'true',
    });

    expect(run.exitCode).toBe(1);
    expect(ofKind(fake, 'sync')).toEqual([]);
    expect(run.outputs).toMatchObject({
      status: 'error',
      error: `no MCP server no-such-mcp in account ${ACCOUNT_ID}`,
      attempts: '0',
    });
  });
});
