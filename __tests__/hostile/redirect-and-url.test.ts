// Where requests may go: api-base-url over plain http only to loopback, server ids that cannot
// leave their one path segment (refused as inputs, dropped from the list), and redirects never
// followed to another origin. Every run is checked for leaked credentials and injected commands.
// Each runs run() in-process: nothing here needs a process of its own.
import { networkInterfaces } from 'node:os';
import { describe, expect, it } from '@jest/globals';
import type {
  FakeCloudflareApi,
  RecordedRequest,
  ScriptedReply,
} from '../../scripts/fake-cloudflare-api.js';
import { expectedResult, replyDuring, runFleet } from '../support/fleet-checks.js';
import type { InProcessRun } from '../support/in-process.js';
import {
  SERVERS_PATH,
  annotationMessage,
  annotations,
  closedPortUrl,
  envelope,
  logLines,
  requestLines,
  resultsOf,
  startFake,
  type Api,
  type Result,
} from '../support/harness.js';
import { expectInputError } from '../support/one-server-checks.js';
import { expectContained } from './escape-checks.js';

/** The port of a fake, or of an API root URL. */
const portOf = (api: Api): string => new URL(typeof api === 'string' ? api : api.baseUrl).port;

/** This machine's first non-loopback IPv4 address, if it has one. */
const externalIpv4 = Object.values(networkInterfaces())
  .flat()
  .find((address) => address?.family === 'IPv4' && !address.internal)?.address;

/** How an id error explains Cloudflare's rule. */
const ID_RULE =
  "an id is 1–32 lowercase letters, digits and _, with single - between them (like docs-mcp); it is the id shown in the server's details in the Cloudflare dashboard, not its display name";

const listRequest = `GET ${SERVERS_PATH}?page=1&per_page=100`;
const readRequest = (id: string): string => `GET ${SERVERS_PATH}/${id}`;
const syncRequest = (id: string): string => `POST ${SERVERS_PATH}/${id}/sync`;

/**
 * Runs the action against `api`, then checks that nothing escaped: no credential, no
 * injected command, and every request `received` (the fake's log; none where `api` is a URL no
 * fake serves) inside the servers path.
 */
async function runContained(
  api: Api,
  inputs: Record<string, string>,
  received: { readonly requests: readonly RecordedRequest[] } = typeof api === 'string'
    ? { requests: [] }
    : api,
): Promise<InProcessRun> {
  const run = await runFleet(api, inputs);
  expectContained(run, received);
  return run;
}

/**
 * Asserts a run refused an id before any request, as expectInputError does, with its error
 * annotation as the runner decodes it. The annotation's line itself carries each `%` of the id
 * as `%25`, so that no `%0A` in an id can end the line and start a workflow command.
 */
function expectIdRefused(
  run: InProcessRun,
  fake: FakeCloudflareApi,
  inputs: Record<string, string>,
  expected: string,
): void {
  expect(annotations(run, 'error')).toEqual([`::error::${expected.replaceAll('%', '%25')}`]);
  const decoded = logLines(run)
    .map((line) => (line.startsWith('::error::') ? `::error::${annotationMessage(line)}` : line))
    .join('\n');
  expectInputError({ ...run, stdout: decoded }, fake, { wrong: expected, inputs, expected });
}

describe('api-base-url over plain http', () => {
  // Let through, most of these URLs would reach the fake on 127.0.0.1 (Linux connects 0.0.0.0 to
  // this host, 127.0.0.1.nip.io resolves to 127.0.0.1), so the fake must see nothing; for the
  // hosts that would not reach it, the outputs alone show the refusal.
  const HTTPS_ONLY =
    'api-base-url: expected https://; plain http:// is allowed only for loopback hosts';
  const refused: [string, (port: string) => string, string][] = [
    ['a public name', () => 'http://api.cloudflare.com/client/v4', HTTPS_ONLY],
    [
      '0.0.0.0, which Linux connects to this host',
      (port) => `http://0.0.0.0:${port}/client/v4`,
      HTTPS_ONLY,
    ],
    [
      'a name that starts like loopback',
      (port) => `http://127.0.0.1.nip.io:${port}/client/v4`,
      HTTPS_ONLY,
    ],
    [
      'a subdomain named localhost',
      (port) => `http://localhost.evil.test:${port}/client/v4`,
      HTTPS_ONLY,
    ],
    [
      'loopback behind a user name',
      (port) => `http://evil.test@127.0.0.1:${port}/client/v4`,
      'api-base-url: expected no user name or password in the URL',
    ],
    [
      'loopback in the fragment',
      (port) => `http://evil.test:${port}/client/v4#@127.0.0.1`,
      'api-base-url: expected no query or fragment in the URL',
    ],
    ...(externalIpv4 === undefined
      ? []
      : [
          [
            'this host by its network address',
            (port: string) => `http://${externalIpv4}:${port}/client/v4`,
            HTTPS_ONLY,
          ] as [string, (port: string) => string, string],
        ]),
  ];

  it.each(refused)('is refused before any request: %s', async (wrong, url, expected) => {
    const fake = await startFake({ servers: [{ id: 'srv' }] });
    const inputs = { 'server-id': 'srv', 'api-base-url': url(portOf(fake)) };

    const run = await runContained(url(portOf(fake)), inputs, fake);

    expectInputError(run, fake, { wrong, inputs, expected });
  });

  it('is accepted for 127.0.0.1: Before read, sync, After read', async () => {
    const fake = await startFake({ servers: [{ id: 'srv' }] });

    const run = await runContained(fake, { 'server-id': 'srv' });

    expect(run.exitCode).toBe(0);
    expect(requestLines(fake)).toEqual([
      readRequest('srv'),
      syncRequest('srv'),
      readRequest('srv'),
    ]);
  });

  it('is accepted for another address in 127.0.0.0/8', async () => {
    // Nothing listens on 127.0.0.2 (every test server binds 127.0.0.1 alone): the action shows
    // that it took the address by trying to connect to it, for the Before read and the sync.
    const port = portOf(await closedPortUrl());

    const run = await runContained(`http://127.0.0.2:${port}/client/v4`, {
      'server-id': 'srv',
      'max-attempts': '1',
    });

    expect(run.exitCode).toBe(1);
    expect(run.outputs).toMatchObject({
      status: 'error',
      error: `network error: connect ECONNREFUSED 127.0.0.2:${port} (gave up after 1 attempt: max-attempts (1) used up)`,
      attempts: '1',
    });
  });
});

describe('a server id that could leave its path segment', () => {
  const HOSTILE_IDS = [
    'a/b?c#d%e',
    '/',
    '?',
    '#',
    '%',
    '%2e%2e',
    '.%2e',
    '..%2F..',
    '../admin',
    '...',
    'a:b@c',
    'x%0A::error::pwned',
  ];

  it.each(HOSTILE_IDS)('%j is refused as server-id before any request', async (id) => {
    const fake = await startFake({ servers: [{ id }, { id: 'srv' }] });
    const inputs = { 'server-id': id };

    const run = await runContained(fake, inputs);

    expectIdRefused(run, fake, inputs, `server-id: ${JSON.stringify(id)} is not an id: ${ID_RULE}`);
  });

  it.each(HOSTILE_IDS)('%j is refused as portal-id before any request', async (id) => {
    const fake = await startFake({ servers: [{ id: 'srv' }] });
    const inputs = { 'server-id': '', 'portal-id': id };

    const run = await runContained(fake, inputs);

    expectIdRefused(run, fake, inputs, `portal-id: ${JSON.stringify(id)} is not an id: ${ID_RULE}`);
  });

  it('among valid ids, the first such id is named and no server is synced', async () => {
    const ids = ['srv', 'a/b', '?x=1', '#top', '100%'];
    const fake = await startFake({ servers: ids.map((id) => ({ id })) });
    const inputs = { 'server-id': ids.join(',') };

    const run = await runContained(fake, inputs);

    expectIdRefused(run, fake, inputs, `server-id: "a/b" is not an id: ${ID_RULE}`);
  });

  it('from the list endpoint, is dropped with a warning: only valid ids are read and synced', async () => {
    // The fake lists every server it holds, these ids among them, and would answer a read or sync
    // of any of them that reached it.
    const valid = ['good-1', 'good_2'];
    const fake = await startFake({
      servers: [...HOSTILE_IDS.slice(0, 6), 'good-1', ...HOSTILE_IDS.slice(6), 'good_2'].map(
        (id) => ({ id }),
      ),
    });

    const run = await runFleet(fake, { 'server-id': '*' });

    expect(run.exitCode).toBe(0);
    expect(annotations(run, 'warning')).toEqual([
      `::warning::ignored ${HOSTILE_IDS.length} entries of the server list without a valid id`,
    ]);
    expect(resultsOf(run)).toEqual(valid.map((id) => expectedResult(fake, id)));
    // Before (the list), a sync of each valid id in either order, After (the list again).
    expect(fake.requests.map((request) => request.kind)).toEqual(['list', 'sync', 'sync', 'list']);
    expect(requestLines(fake).sort()).toEqual(
      [listRequest, listRequest, ...valid.map(syncRequest)].sort(),
    );
    expectContained(run, fake);
  });
});

describe('dot ids', () => {
  it.each([
    ['.', '.'],
    ['..', '..'],
    ['ok,..', '..'],
    ['ok\n.\nother', '.'],
    ['  ..  ', '..'],
  ])('%j is refused before any request', async (serverId, dots) => {
    const fake = await startFake({ servers: [{ id: 'ok' }, { id: 'other' }] });
    const inputs = { 'server-id': serverId };

    const run = await runContained(fake, inputs);

    expectIdRefused(run, fake, inputs, `server-id: "${dots}" is not an id: ${ID_RULE}`);
  });
});

describe('a redirect to another origin', () => {
  /** A `status` redirect of `request` to the same path on `elsewhere`. */
  const redirect = (status: number, elsewhere: FakeCloudflareApi, request: RecordedRequest) =>
    ({
      status,
      headers: { location: `${elsewhere.baseUrl}${request.url.replace(/^\/client\/v4/, '')}` },
      body: envelope({ status: 'ready' }),
    }) satisfies ScriptedReply;

  /** srv's result after a run whose sync and reads all answered, but for `fields`. */
  const srvResult = (fake: FakeCloudflareApi, fields: Partial<Result>): Result => ({
    ...expectedResult(fake, 'srv'),
    // Nothing waits (no retry follows a redirect) on the run's stepping clock.
    duration_ms: 0,
    ...fields,
  });

  const STATUSES = [301, 302, 303, 307, 308];

  it.each(STATUSES)(
    'of the Before read (%i) is not followed: a failed read, synced without changes',
    async (status) => {
      const elsewhere = await startFake({ servers: [{ id: 'srv' }] });
      const fake = await startFake({
        servers: [{ id: 'srv' }],
        intercept: replyDuring('before', 'read', (request) => redirect(status, elsewhere, request)),
      });

      const run = await runContained(fake, { 'server-id': 'srv' });

      expect(run.exitCode).toBe(0);
      expect(run.outputs).toMatchObject({ status: 'ready', error: '', attempts: '1' });
      expect(annotations(run, 'warning')).toEqual([
        `::warning title=MCP server srv::changes unknown: the server could not be read before the sync (HTTP ${status}: redirect not followed)`,
      ]);
      expect(resultsOf(run)).toEqual([srvResult(fake, { changes: null })]);
      expect(requestLines(fake)).toEqual([
        readRequest('srv'),
        syncRequest('srv'),
        readRequest('srv'),
      ]);
      expect(elsewhere.requests).toEqual([]);
    },
  );

  it.each(STATUSES)('of the sync (%i) is not followed or retried', async (status) => {
    const elsewhere = await startFake({ servers: [{ id: 'srv' }] });
    const fake = await startFake({
      servers: [{ id: 'srv' }],
      intercept: replyDuring('both', 'sync', (request) => redirect(status, elsewhere, request)),
    });

    const run = await runContained(fake, { 'server-id': 'srv', 'max-attempts': '3' });

    const error = `HTTP ${status}: redirect not followed`;
    expect(run.exitCode).toBe(1);
    expect(run.outputs).toMatchObject({
      status: 'error',
      error,
      retryable: 'false',
      attempts: '1',
    });
    expect(annotations(run, 'warning')).toEqual([]);
    expect(resultsOf(run)).toEqual([
      srvResult(fake, {
        status: 'error',
        error,
        tools: null,
        prompts: null,
        changes: null,
      }),
    ]);
    expect(requestLines(fake)).toEqual([readRequest('srv'), syncRequest('srv')]);
    expect(elsewhere.requests).toEqual([]);
  });

  it.each(STATUSES)('of the After read (%i) is not followed', async (status) => {
    const elsewhere = await startFake({ servers: [{ id: 'srv' }] });
    const fake = await startFake({
      servers: [{ id: 'srv' }],
      intercept: replyDuring('after', 'read', (request) => redirect(status, elsewhere, request)),
    });

    const run = await runContained(fake, { 'server-id': 'srv' });

    expect(run.exitCode).toBe(0);
    expect(run.outputs).toMatchObject({ status: 'ready', error: '', attempts: '1' });
    expect(annotations(run, 'warning')).toEqual([
      `::warning title=MCP server srv::tools and prompts unknown: the server could not be read after the sync (HTTP ${status}: redirect not followed)`,
    ]);
    expect(resultsOf(run)).toEqual([
      srvResult(fake, { tools: null, prompts: null, changes: null }),
    ]);
    expect(requestLines(fake)).toEqual([
      readRequest('srv'),
      syncRequest('srv'),
      readRequest('srv'),
    ]);
    expect(elsewhere.requests).toEqual([]);
  });

  it('of a list page is not followed', async () => {
    const elsewhere = await startFake({ servers: [{ id: 'srv' }] });
    const fake = await startFake({
      servers: [{ id: 'srv' }],
      intercept: replyDuring('both', 'list', (request) => redirect(302, elsewhere, request)),
    });

    const run = await runContained(fake, { 'server-id': '*' });

    expect(run.exitCode).toBe(1);
    expect(run.outputs).toMatchObject({
      status: 'error',
      error: 'could not list MCP servers (page 1): HTTP 302: redirect not followed',
      attempts: '0',
      results: '[]',
    });
    expect(annotations(run, 'warning')).toEqual([]);
    expect(requestLines(fake)).toEqual([listRequest]);
    expect(elsewhere.requests).toEqual([]);
  });
});
