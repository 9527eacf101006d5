// A 404 says the server is not in the account and names similar ids when the list can be read,
// at the cost of one list read for the whole run: the one that was the fleet's Before reading,
// or, for a single server, one read after the syncs.
import { describe, expect, it } from '@jest/globals';
import type { FakeServer } from '../../scripts/fake-cloudflare-api.js';
import { apiError } from '../../scripts/fake-cloudflare-api.js';
import {
  ACCOUNT_ID,
  NOT_FOUND_HINT,
  annotations,
  baseInputs,
  decodeHtml,
  ofKind,
  replyTo,
  resultsOf,
  serverRow,
  startFake,
} from '../support/harness.js';
import { runInProcess } from '../support/in-process.js';

const ACCOUNT: FakeServer[] = [
  { id: 'docs-mcp', tools: ['search_docs'] },
  { id: 'search-mcp', tools: ['search'] },
  { id: 'billing-mcp', tools: ['invoice'] },
];

const NOT_FOUND = `no MCP server doc-mcp in account ${ACCOUNT_ID} (HTTP 404: Not Found (7002))`;
const DID_YOU_MEAN = "did you mean docs-mcp? server-id takes the server's id, not its display name";

describe('a server id the account lacks', () => {
  it('in a fleet: the error, a did-you-mean from the Before list, and one list read in all', async () => {
    const fake = await startFake({ servers: ACCOUNT });

    const run = await runInProcess({ ...baseInputs(fake), 'server-id': 'doc-mcp, search-mcp' });

    expect(ofKind(fake, 'list')).toHaveLength(1);
    expect(fake.syncs().map((request) => [request.serverId, request.status])).toEqual([
      ['doc-mcp', 404],
      ['search-mcp', 200],
    ]);
    expect(run.exitCode).toBe(1);
    expect(run.outputs).toMatchObject({
      status: 'error',
      error: `doc-mcp: ${NOT_FOUND}`,
      attempts: '2',
    });
    expect(
      resultsOf(run).map(({ server_id, status, error }) => ({ server_id, status, error })),
    ).toEqual([
      { server_id: 'doc-mcp', status: 'error', error: NOT_FOUND },
      { server_id: 'search-mcp', status: 'ready', error: null },
    ]);
    expect(annotations(run, 'error')).toContain(
      `::error title=MCP server doc-mcp failed to sync::${NOT_FOUND} → ${DID_YOU_MEAN}`,
    );
    expect(serverRow(run.summary, 'doc-mcp')[7]).toBe(`${DID_YOU_MEAN}\n${NOT_FOUND}`);
    expect(decodeHtml(run.summary)).toContain('did you mean docs-mcp?');
  });

  it('alone: its read and its sync find nothing, then one list read finds the similar id', async () => {
    const fake = await startFake({ servers: ACCOUNT });

    const run = await runInProcess({ ...baseInputs(fake), 'server-id': 'doc-mcp' });

    expect(fake.requests.map((request) => [request.kind, request.status])).toEqual([
      ['read', 404],
      ['sync', 404],
      ['list', 200],
    ]);
    expect(run.exitCode).toBe(1);
    expect(run.outputs).toMatchObject({ status: 'error', error: NOT_FOUND, retryable: 'false' });
    expect(annotations(run, 'error')).toContain(
      `::error title=MCP server doc-mcp failed to sync::${NOT_FOUND} → ${DID_YOU_MEAN}`,
    );
  });

  it('alone, when the list read fails: the error, and where to look instead of a guess', async () => {
    const fake = await startFake({
      servers: ACCOUNT,
      intercept: replyTo('list', apiError(400, 10_000, 'bad list request')),
    });

    const run = await runInProcess({ ...baseInputs(fake), 'server-id': 'doc-mcp' });

    expect(fake.requests.map((request) => [request.kind, request.status])).toEqual([
      ['read', 404],
      ['sync', 404],
      ['list', 400],
    ]);
    expect(run.exitCode).toBe(1);
    expect(run.outputs).toMatchObject({ status: 'error', error: NOT_FOUND, retryable: 'false' });
    expect(annotations(run, 'error')).toContain(
      `::error title=MCP server doc-mcp failed to sync::${NOT_FOUND} → ${NOT_FOUND_HINT}`,
    );
  });

  it('in a dry run: the read finds nothing, one list read finds the similar id, nothing is synced', async () => {
    const fake = await startFake({ servers: ACCOUNT });

    const run = await runInProcess({
      ...baseInputs(fake),
      'server-id': 'doc-mcp',
      'dry-run': 'true',
    });

    expect(fake.requests.map((request) => [request.kind, request.status])).toEqual([
      ['read', 404],
      ['list', 200],
    ]);
    expect(run.exitCode).toBe(1);
    const error = `no MCP server doc-mcp in account ${ACCOUNT_ID}`;
    expect(run.outputs).toMatchObject({ status: 'error', error, attempts: '0' });
    expect(annotations(run, 'error')).toContain(
      `::error title=MCP server doc-mcp failed the dry run::${error} → ${DID_YOU_MEAN}`,
    );
  });

  it('in a dry run of a fleet: the Before list names the server it lacks', async () => {
    const fake = await startFake({ servers: ACCOUNT });

    const run = await runInProcess({
      ...baseInputs(fake),
      'server-id': 'doc-mcp, search-mcp',
      'dry-run': 'true',
    });

    expect(fake.requests.map((request) => request.kind)).toEqual(['list']);
    expect(run.outputs).toMatchObject({
      status: 'error',
      error: `doc-mcp: no MCP server doc-mcp in account ${ACCOUNT_ID}`,
    });
  });

  it('in a fleet whose Before list found every server: one more list read after a 404', async () => {
    const fake = await startFake({
      servers: [
        { id: 'docs-mcp', tools: ['search_docs'] },
        { id: 'search-mcp', tools: ['search'], syncReplies: [apiError(404, 7002, 'Not Found')] },
      ],
    });

    const run = await runInProcess({
      ...baseInputs(fake),
      'server-id': 'docs-mcp, search-mcp',
      concurrency: '1',
    });

    // Before, the syncs, After of the one synced; the Before list stopped once it had both, so
    // the did-you-mean reads it whole.
    expect(fake.requests.map((request) => request.kind)).toEqual([
      'list',
      'sync',
      'sync',
      'read',
      'list',
    ]);
    expect(run.outputs).toMatchObject({
      status: 'error',
      error: `search-mcp: no MCP server search-mcp in account ${ACCOUNT_ID} (HTTP 404: Not Found (7002))`,
    });
  });

  it('several typos cost one list read, each with its own suggestion', async () => {
    const fake = await startFake({ servers: ACCOUNT });

    const run = await runInProcess({
      ...baseInputs(fake),
      'server-id': 'doc-mcp, serch-mcp, billing-mpc',
    });

    expect(ofKind(fake, 'list')).toHaveLength(1);
    expect(run.exitCode).toBe(1);
    const hints = annotations(run, 'error')
      .map((line) => /→ did you mean ([^?]*)\?/.exec(line)?.[1])
      .filter((hint) => hint !== undefined);
    expect(hints).toEqual(['docs-mcp', 'search-mcp', 'billing-mcp']);
  });

  it('in an account of two list pages, finds the similar id on the second', async () => {
    const fillers = Array.from({ length: 150 }, (_, i) => ({
      id: `filler-${String(i).padStart(3, '0')}`,
      tools: ['noop'],
    }));
    const fake = await startFake({ servers: [...fillers, ...ACCOUNT] });

    const alone = await runInProcess({ ...baseInputs(fake), 'server-id': 'doc-mcp' });
    const inFleet = await runInProcess({
      ...baseInputs(fake),
      'server-id': 'doc-mcp, filler-000',
    });

    expect(fake.requests.map((request) => [request.kind, request.status])).toEqual([
      ['read', 404],
      ['sync', 404],
      ['list', 200],
      ['list', 200],
      ['list', 200],
      ['list', 200],
      ['sync', 404],
      ['sync', 200],
      ['read', 200],
    ]);
    for (const run of [alone, inFleet]) {
      expect(annotations(run, 'error')).toContain(
        `::error title=MCP server doc-mcp failed to sync::${NOT_FOUND} → ${DID_YOU_MEAN}`,
      );
    }
  });
});
