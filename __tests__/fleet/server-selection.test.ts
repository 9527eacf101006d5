// Which servers a run syncs: `server-id` as a comma or newline list (blank entries and repeats
// dropped), and `*`, which reads every page of the account's server list first.
import { describe, expect, it } from '@jest/globals';
import type { FakeApiOptions } from '../../scripts/fake-cloudflare-api.js';
import {
  SERVERS_PATH,
  annotations,
  expectEachSyncedOnce,
  logLines,
  ofKind,
  runAgainst,
  serverIds,
  startFake,
} from '../support/harness.js';

describe('server-id as a list', () => {
  const ids = ['alpha', 'beta', 'gamma'];

  it.each([
    ['a comma list', 'alpha,beta,gamma'],
    ['a comma list with spaces and empty entries', ' alpha , ,beta,gamma , '],
    ['a newline list with blank lines and a trailing newline', 'alpha\n\nbeta\n   \ngamma\n'],
    ['commas and CRLF newlines mixed', 'alpha,\r\nbeta\r\n\r\n,gamma,'],
    ['a list with duplicates', 'alpha,beta\nalpha\ngamma, beta,gamma'],
  ])('%s syncs each server once, in input order', async (_name, serverId) => {
    const fake = await startFake({ servers: ids.map((id) => ({ id })) });

    const run = await runAgainst(fake, { 'server-id': serverId });

    expectEachSyncedOnce(fake, run, ids);
  });
});

describe('server-id: *', () => {
  const listQuery = (page: number): string => `?page=${page}&per_page=100`;

  it.each<{ name: string; count: number; fake: FakeApiOptions; discoveryPages: number }>([
    { name: 'full pages with result_info', count: 205, fake: {}, discoveryPages: 3 },
    {
      name: 'fewer servers per page than asked (7), result_info trusted',
      count: 20,
      fake: { pageSize: 7 },
      discoveryPages: 3,
    },
    {
      name: 'short pages without result_info: read until an empty page',
      count: 20,
      fake: { pageSize: 7, omitResultInfo: true },
      discoveryPages: 4,
    },
    {
      name: 'full pages without result_info: read until an empty page',
      count: 205,
      fake: { omitResultInfo: true },
      discoveryPages: 4,
    },
  ])('reads every page: $name', async ({ count, fake: options, discoveryPages }) => {
    const ids = serverIds(count);
    const fake = await startFake({ ...options, servers: ids.map((id) => ({ id })) });

    const run = await runAgainst(fake, { 'server-id': '*', concurrency: '16' });

    // Every server synced exactly once, reported in list order.
    expectEachSyncedOnce(fake, run, ids);
    // Discovery: pages 1..N, in order, before the first sync.
    const firstSync = fake.requests.findIndex((request) => request.kind === 'sync');
    const discovery = fake.requests.slice(0, firstSync);
    expect(discovery.map((request) => `${request.method} ${request.url}`)).toEqual(
      Array.from({ length: discoveryPages }, (_, i) => `GET ${SERVERS_PATH}${listQuery(i + 1)}`),
    );
    expect(logLines(run)).toContain(`found ${count} MCP server(s) in the account`);
    // Afterwards the tools are read from the list again, up to the page holding the last server.
    const pageSize = options.pageSize ?? 100;
    expect(ofKind(fake, 'list')).toHaveLength(discoveryPages + Math.ceil(count / pageSize));
    expect(ofKind(fake, 'read')).toHaveLength(0);
  });

  it('passes with a warning on an account without servers', async () => {
    const fake = await startFake({ servers: [] });

    const run = await runAgainst(fake, { 'server-id': '*' });

    expect(run.exitCode).toBe(0);
    expect(annotations(run, 'warning')).toEqual([
      '::warning::the account has no MCP servers: nothing to sync',
    ]);
    expect(annotations(run, 'error')).toEqual([]);
    expect(run.outputs).toMatchObject({ status: 'ready', error: '', attempts: '0', results: '[]' });
    expect(fake.requests.map((request) => request.url)).toEqual([`${SERVERS_PATH}${listQuery(1)}`]);
  });
});
