// Where requests may go: api-base-url over plain http only to loopback, server ids that stay in
// their one path segment, dot ids refused, and redirects never followed to another origin.
import { networkInterfaces } from 'node:os';
import { describe, expect, it } from '@jest/globals';
import type {
  FakeCloudflareApi,
  RecordedRequest,
  ScriptedReply,
} from '../../scripts/fake-cloudflare-api.js';
import {
  SERVERS_PATH,
  annotations,
  closedPortUrl,
  envelope,
  ofKind,
  runAgainst,
  startFake,
  type Api,
} from '../support/harness.js';
import { expectContained, expectRequestsInside } from './escape-checks.js';

/** The port of a fake, or of an API root URL. */
const portOf = (api: Api): string => new URL(typeof api === 'string' ? api : api.baseUrl).port;

/** This machine's first non-loopback IPv4 address, if it has one. */
const externalIpv4 = Object.values(networkInterfaces())
  .flat()
  .find((address) => address?.family === 'IPv4' && !address.internal)?.address;

describe('api-base-url over plain http', () => {
  // Let through, most of these URLs would reach the fake on 127.0.0.1 (Linux connects 0.0.0.0 to
  // this host, 127.0.0.1.nip.io resolves to 127.0.0.1), so the fake must see nothing; for the
  // hosts that would not reach it, the outputs alone show the refusal.
  const refused: [string, (port: string) => string][] = [
    ['a public name', () => 'http://api.cloudflare.com/client/v4'],
    ['0.0.0.0, which Linux connects to this host', (port) => `http://0.0.0.0:${port}/client/v4`],
    ['a name that starts like loopback', (port) => `http://127.0.0.1.nip.io:${port}/client/v4`],
    ['a subdomain named localhost', (port) => `http://localhost.evil.test:${port}/client/v4`],
    ['loopback behind a user name', (port) => `http://evil.test@127.0.0.1:${port}/client/v4`],
    ['loopback in the fragment', (port) => `http://evil.test:${port}/client/v4#@127.0.0.1`],
    ...(externalIpv4 === undefined
      ? []
      : [
          [
            'this host by its network address',
            (port: string) => `http://${externalIpv4}:${port}/client/v4`,
          ] as [string, (port: string) => string],
        ]),
  ];

  it.each(refused)('is refused before any request: %s', async (_name, url) => {
    const fake = await startFake({ servers: [{ id: 'srv' }] });

    const run = await runAgainst(fake, { 'server-id': 'srv', 'api-base-url': url(portOf(fake)) });

    expect(run.exitCode).toBe(1);
    expect(run.outputs.error).toMatch(/^api-base-url: expected /);
    expect(run.outputs).toMatchObject({ status: 'error', attempts: '0', results: '[]' });
    expect(fake.requests).toEqual([]);
  });

  it('is accepted for 127.0.0.1', async () => {
    const fake = await startFake({ servers: [{ id: 'srv' }] });

    const run = await runAgainst(fake, { 'server-id': 'srv' });

    expect(run.exitCode).toBe(0);
    expect(fake.requests.map((request) => request.kind)).toEqual(['sync', 'read']);
  });

  it('is accepted for another address in 127.0.0.0/8', async () => {
    // Nothing listens on 127.0.0.2 (every test server binds 127.0.0.1 alone): the action shows
    // that it took the address by trying to connect to it.
    const port = portOf(await closedPortUrl());

    const run = await runAgainst(`http://127.0.0.2:${port}/client/v4`, {
      'server-id': 'srv',
      'max-attempts': '1',
    });

    expect(run.exitCode).toBe(1);
    expect(run.outputs.error).toContain(`ECONNREFUSED 127.0.0.2:${port}`);
  });
});

describe('a server id in the path', () => {
  it.each([
    ['a/b?c#d%e', 'a%2Fb%3Fc%23d%25e'],
    ['/', '%2F'],
    ['?', '%3F'],
    ['#', '%23'],
    ['%', '%25'],
    ['%2e%2e', '%252e%252e'],
    ['.%2e', '.%252e'],
    ['..%2F..', '..%252F..'],
    ['../admin', '..%2Fadmin'],
    ['...', '...'],
    ['a:b@c', 'a%3Ab%40c'],
  ])('%j stays percent-encoded in its one segment: %s', async (id, segment) => {
    const fake = await startFake({ servers: [{ id, tools: ['t'] }] });

    const run = await runAgainst(fake, { 'server-id': id });

    expect(run.exitCode).toBe(0);
    expect(fake.requests.map((request) => `${request.method} ${request.url}`)).toEqual([
      `POST ${SERVERS_PATH}/${segment}/sync`,
      `GET ${SERVERS_PATH}/${segment}`,
    ]);
    expect(fake.requests.map((request) => request.serverId)).toEqual([id, id]);
    expectContained(run, fake);
  });

  it('several such ids each keep their own segment', async () => {
    const ids = ['a/b', '?x=1', '#top', '100%'];
    const fake = await startFake({ servers: ids.map((id) => ({ id })) });

    const run = await runAgainst(fake, { 'server-id': ids.join(',') });

    expect(run.exitCode).toBe(0);
    expect(
      fake.requests
        .filter((r) => r.kind === 'sync')
        .map((r) => r.url)
        .sort(),
    ).toEqual(
      ['a%2Fb', '%3Fx%3D1', '%23top', '100%25'].map((s) => `${SERVERS_PATH}/${s}/sync`).sort(),
    );
    expectRequestsInside(fake.requests);
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

    const run = await runAgainst(fake, { 'server-id': serverId });

    expect(run.exitCode).toBe(1);
    expect(run.outputs).toMatchObject({
      status: 'error',
      error: `server-id: expected an id, not "${dots}"`,
      attempts: '0',
    });
    expect(fake.requests).toEqual([]);
  });
});

describe('a redirect to another origin', () => {
  /** A fake whose answer to every `kind` request is `status` to the same path on `elsewhere`. */
  const redirecting = (
    kind: RecordedRequest['kind'],
    status: number,
    elsewhere: FakeCloudflareApi,
  ) =>
    startFake({
      servers: [{ id: 'srv' }],
      intercept: (request): ScriptedReply | undefined =>
        request.kind === kind
          ? {
              status,
              headers: {
                location: `${elsewhere.baseUrl}${request.url.replace(/^\/client\/v4/, '')}`,
              },
              body: envelope({ status: 'ready' }),
            }
          : undefined,
    });

  it.each<{
    kind: RecordedRequest['kind'];
    serverId: string;
    exitCode: number;
    error: string;
    warnings: string[];
  }>([
    {
      kind: 'sync',
      serverId: 'srv',
      exitCode: 1,
      error: 'HTTP 302: redirect not followed',
      warnings: [],
    },
    {
      kind: 'read',
      serverId: 'srv',
      exitCode: 0,
      error: '',
      warnings: ['::warning::tools and prompts of srv not read: HTTP 302: redirect not followed'],
    },
    {
      kind: 'list',
      serverId: '*',
      exitCode: 1,
      error: 'could not list MCP servers (page 1): HTTP 302: redirect not followed',
      warnings: [],
    },
  ])(
    'of a $kind request is not followed',
    async ({ kind, serverId, exitCode, error, warnings }) => {
      const elsewhere = await startFake({ servers: [{ id: 'srv' }] });
      const fake = await redirecting(kind, 302, elsewhere);

      const run = await runAgainst(fake, { 'server-id': serverId });

      expect(run.exitCode).toBe(exitCode);
      expect(run.outputs.error).toBe(error);
      expect(annotations(run, 'warning')).toEqual(warnings);
      expect(elsewhere.requests).toEqual([]);
      expect(ofKind(fake, kind)).toHaveLength(1);
      expectContained(run, fake);
    },
  );
});
