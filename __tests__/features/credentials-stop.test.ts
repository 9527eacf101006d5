// A 401 or 403 from the API stops the run: every further request would be refused the same way and
// spend the account's rate limit. Nothing more is sent, every server not yet finished ends with
// that error, and the message names the permission the token needs.
import { describe, expect, it } from '@jest/globals';
import { apiError, type ScriptedReply } from '../../scripts/fake-cloudflare-api.js';
import {
  ACCOUNT_ID,
  NOT_FOUND_HINT,
  annotationMessage,
  annotations,
  baseInputs,
  replyTo,
  resultsOf,
  serverIds,
  startFake,
} from '../support/harness.js';
import { runInProcess } from '../support/in-process.js';

const IDS = serverIds(6, 'mcp');
const TOKEN_HINT = (permission: string): string =>
  `the API token was refused: it needs the account permission ${permission} on account ${ACCOUNT_ID} (Cloudflare dashboard → My Profile → API Tokens → edit the token → Permissions), and it must be active`;

describe.each<{ status: number; reply: ScriptedReply; message: string }>([
  {
    status: 403,
    reply: apiError(403, 10_000, 'Authentication error'),
    message: 'HTTP 403: Authentication error (10000)',
  },
  {
    status: 401,
    reply: apiError(401, 10_001, 'Unauthorized to access requested resource'),
    message: 'HTTP 401: Unauthorized to access requested resource (10001)',
  },
])('an HTTP $status to a sync', ({ reply, message }) => {
  it('stops a fleet of 6 at concurrency 2: no request after the refusal, every server failed', async () => {
    // A token that may read but not write: every sync is refused.
    const fake = await startFake({
      servers: IDS.map((id) => ({ id, tools: ['search_docs'] })),
      intercept: replyTo('sync', reply),
    });

    const run = await runInProcess({
      ...baseInputs(fake),
      'server-id': IDS.join(','),
      concurrency: '2',
    });

    // The Before list page, then the two syncs in flight when the first refusal came; no retry,
    // no other sync, no After reading.
    // (The two syncs are sent together: either may arrive first.)
    const sent = fake.requests.map((request) => `${request.kind} ${request.serverId ?? ''}`);
    expect([sent[0], ...sent.slice(1).sort()]).toEqual(['list ', 'sync mcp-1', 'sync mcp-2']);
    const hint = TOKEN_HINT('MCP Portals Write');
    expect(run.exitCode).toBe(1);
    expect(run.outputs).toMatchObject({ status: 'error', attempts: '2' });
    const notSent = `${message} (not sent: the API refused the credentials)`;
    expect(
      resultsOf(run).map(({ server_id, status, error, attempts }) => ({
        server_id,
        status,
        error,
        attempts,
      })),
    ).toEqual([
      { server_id: 'mcp-1', status: 'error', error: message, attempts: 1 },
      { server_id: 'mcp-2', status: 'error', error: message, attempts: 1 },
      ...IDS.slice(2).map((id) => ({
        server_id: id,
        status: 'error',
        error: notSent,
        attempts: 0,
      })),
    ]);
    expect(run.outputs.error).toBe(
      [
        `mcp-1: ${message}`,
        `mcp-2: ${message}`,
        ...IDS.slice(2).map((id) => `${id}: ${notSent}`),
      ].join('\n'),
    );
    const errors = annotations(run, 'error').map(annotationMessage);
    expect(errors[0]).toBe(
      `${message}: ${hint}: 6 of 6 MCP servers failed to sync: ${IDS.join(', ')}`,
    );
    expect(errors.slice(1)).toEqual([
      `${message} → ${hint}`,
      `${message} → ${hint}`,
      ...IDS.slice(2).map(() => `${notSent} → ${hint}`),
    ]);
  });
});

describe('a refused read', () => {
  it('in a dry run, names the Read permission, and stops before anything else', async () => {
    const fake = await startFake({
      servers: IDS.map((id) => ({ id, tools: ['search_docs'] })),
      intercept: replyTo('list', apiError(403, 10_000, 'Authentication error')),
    });

    const run = await runInProcess({
      ...baseInputs(fake),
      'server-id': IDS.join(','),
      'dry-run': 'true',
    });

    expect(fake.requests.map((request) => request.kind)).toEqual(['list']);
    expect(run.exitCode).toBe(1);
    expect(run.outputs).toMatchObject({ status: 'error', attempts: '0' });
    const listError = 'could not list MCP servers (page 1): HTTP 403: Authentication error (10000)';
    expect(resultsOf(run).map(({ status, error, tools }) => ({ status, error, tools }))).toEqual(
      IDS.map(() => ({ status: 'error', error: listError, tools: null })),
    );
    expect(annotations(run, 'error').map(annotationMessage)[0]).toBe(
      `HTTP 403: Authentication error (10000): ${TOKEN_HINT('MCP Portals Read (or Write)')}: 6 of 6 MCP servers failed the dry run: ${IDS.join(', ')}`,
    );
  });

  it('for every server (*), ends the run on the list error with the hint', async () => {
    const fake = await startFake({
      servers: IDS.map((id) => ({ id, tools: ['search_docs'] })),
      intercept: replyTo('list', apiError(403, 10_000, 'Authentication error')),
    });

    const run = await runInProcess({ ...baseInputs(fake), 'server-id': '*' });

    expect(fake.requests.map((request) => request.kind)).toEqual(['list']);
    expect(run.exitCode).toBe(1);
    expect(run.outputs.error).toBe(
      `could not list MCP servers (page 1): HTTP 403: Authentication error (10000): ${TOKEN_HINT('MCP Portals Write')}`,
    );
  });
});

describe('a refusal after a server failed for its own reason', () => {
  it('keeps that server its own hint, and gives the credentials hint to the rest', async () => {
    const fake = await startFake({
      servers: [
        {
          id: 'mcp-x',
          tools: ['search_docs'],
          syncReplies: [apiError(403, 10_000, 'Authentication error')],
        },
      ],
    });

    const run = await runInProcess({
      ...baseInputs(fake),
      'server-id': 'gone-mcp,mcp-x',
      concurrency: '1',
    });

    expect(fake.syncs().map((request) => [request.serverId, request.status])).toEqual([
      ['gone-mcp', 404],
      ['mcp-x', 403],
    ]);
    expect(annotations(run, 'error').map(annotationMessage).slice(1)).toEqual([
      `no MCP server gone-mcp in account ${ACCOUNT_ID} (HTTP 404: Not Found (7002)) → ${NOT_FOUND_HINT}`,
      `HTTP 403: Authentication error (10000) → ${TOKEN_HINT('MCP Portals Write')}`,
    ]);
  });
});
