// Which servers a run syncs, in-process: `server-id` as a comma or newline list (blank entries and
// repeats dropped), and `*`, which reads the account's server list page by page until a page
// shorter than 100, uses that reading as every server's Before, and never passes with servers
// left out.
import { describe, expect, it } from '@jest/globals';
import type { RecordedRequest } from '../../scripts/fake-cloudflare-api.js';
import { MAX_LIST_PAGES } from '../../src/readings/server-list.js';
import { expectedResult, runFleet } from '../support/fleet-checks.js';
import {
  ACCOUNT_ID,
  SERVERS_PATH,
  annotations,
  listPage,
  logLines,
  pageOf,
  requestLines,
  resultsOf,
  serverIds,
  startFake,
  summaryParagraphs,
  syncCounts,
} from '../support/harness.js';

const listUrl = (page: number): string => `GET ${SERVERS_PATH}?page=${page}&per_page=100`;
const syncUrl = (id: string): string => `POST ${SERVERS_PATH}/${id}/sync`;

describe('server-id as a list', () => {
  const ids = ['alpha', 'beta', 'gamma'];

  it.each([
    ['a comma list', 'alpha,beta,gamma'],
    ['a comma list with spaces and empty entries', ' alpha , ,beta,gamma , '],
    ['a newline list with blank lines and a trailing newline', 'alpha\n\nbeta\n   \ngamma\n'],
    ['commas and CRLF newlines mixed', 'alpha,\r\nbeta\r\n\r\n,gamma,'],
    ['a list with duplicates', 'alpha,beta\nalpha\ngamma, beta,gamma'],
  ])('%s syncs each server once, reported in input order', async (_name, serverId) => {
    const fake = await startFake({ servers: ids.map((id) => ({ id })) });

    const run = await runFleet(fake, { 'server-id': serverId, concurrency: '1' });

    expect(run.exitCode).toBe(0);
    expect(run.outputs).toMatchObject({ status: 'ready', error: '', attempts: '3' });
    expect(requestLines(fake)).toEqual([listUrl(1), ...ids.map(syncUrl), listUrl(1)]);
    expect(resultsOf(run)).toEqual(ids.map((id) => expectedResult(fake, id)));
  });
});

describe('server-id: *', () => {
  it.each([
    // The requests of issue 9's ratio: 3 + 200 + 2 for 200 servers.
    { count: 200, before: 3, after: 2, why: 'two full pages, then an empty one; After stops at 2' },
    { count: 205, before: 3, after: 3, why: 'page 3 holds 5, the last' },
    { count: 150, before: 2, after: 2, why: 'page 2 holds 50, the last' },
    { count: 100, before: 2, after: 1, why: 'one full page, then an empty one' },
    { count: 20, before: 1, after: 1, why: 'one short page' },
  ])(
    '$count servers: $before list page(s) before the syncs, $after after ($why)',
    async ({ count, before, after }) => {
      const ids = serverIds(count);
      const fake = await startFake({ servers: ids.map((id) => ({ id })) });

      const run = await runFleet(fake, { 'server-id': '*', concurrency: '16' });

      expect(run.exitCode).toBe(0);
      expect(run.outputs).toMatchObject({ status: 'ready', error: '', attempts: String(count) });
      const requests = requestLines(fake);
      expect(requests).toHaveLength(before + count + after);
      expect(requests.slice(0, before)).toEqual(
        Array.from({ length: before }, (_, i) => listUrl(i + 1)),
      );
      expect(requests.slice(before, -after).sort()).toEqual(ids.map(syncUrl));
      expect(requests.slice(-after)).toEqual(
        Array.from({ length: after }, (_, i) => listUrl(i + 1)),
      );
      expect(syncCounts(fake)).toEqual(Object.fromEntries(ids.map((id) => [id, 1])));
      expect(logLines(run)).toContain(`found ${count} MCP server(s) in the account`);
      // The list's reading is every server's Before: compared with After, nothing changed.
      expect(resultsOf(run)).toEqual(ids.map((id) => expectedResult(fake, id)));
    },
  );

  it('passes with a warning on an account without servers', async () => {
    const fake = await startFake({ servers: [] });

    const run = await runFleet(fake, { 'server-id': '*' });

    expect(run.exitCode).toBe(0);
    expect(annotations(run, 'warning')).toEqual([
      `::warning::account ${ACCOUNT_ID} has no MCP servers: nothing to sync; check that account-id is the account that holds them`,
    ]);
    expect(annotations(run, 'error')).toEqual([]);
    expect(run.outputs).toMatchObject({ status: 'ready', error: '', attempts: '0', results: '[]' });
    expect(requestLines(fake)).toEqual([listUrl(1)]);
  });

  it(`fails, syncing nothing, when the list has not ended after ${MAX_LIST_PAGES} pages`, async () => {
    const endless = (request: RecordedRequest) =>
      request.kind === 'list'
        ? listPage(Array.from({ length: 100 }, (_, i) => ({ id: `p${pageOf(request)}-${i}` })))
        : undefined;
    const fake = await startFake({ intercept: endless });

    const run = await runFleet(fake, { 'server-id': '*' });

    const message = `the MCP server list was cut: it had not ended after ${MAX_LIST_PAGES} pages (${MAX_LIST_PAGES * 100} servers read), so some servers would be left out`;
    expect(run.exitCode).toBe(1);
    expect(run.outputs).toEqual({
      status: 'error',
      error: message,
      'error-details': '',
      retryable: '',
      attempts: '0',
      'breaking-changes': '',
      results: '[]',
      'results-file': expect.any(String),
    });
    expect(run.resultsFile).toBe('[]');
    expect(annotations(run, 'error')).toEqual([`::error::${message}`]);
    expect(summaryParagraphs(run.summary)).toEqual([`❌ ${message}`]);
    expect(fake.requests.map(pageOf)).toEqual(
      Array.from({ length: MAX_LIST_PAGES }, (_, i) => i + 1),
    );
  });
});
