// Where requests may go: api-base-url over plain http only to loopback, server ids that stay in
// their one path segment, dot ids refused, and redirects never followed to another origin.
import { networkInterfaces } from 'node:os';
import { describe, expect, it } from '@jest/globals';
import type { RecordedRequest, ScriptedReply } from '../../scripts/fake-cloudflare-api.js';
import {
  SERVERS_PATH,
  annotations,
  envelope,
  ofKind,
  runAgainst,
  startFake,
} from '../support/harness.js';
import { expectContained, expectRequestsInside } from './escape-checks.js';

/** The port a fake listens on. */
const portOf = (baseUrl: string): string => new URL(baseUrl).port;

/** This machine's first non-loopback IPv4 address, if it has one. */
const externalIpv4 = Object.values(networkInterfaces())
  .flat()
  .find((address) => address?.family === 'IPv4' && !address.internal)?.address;

describe('api-base-url over plain http', () => {
  // The fake listens on every interface: were the action to send anything, it would arrive.
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
    const anywhere = await startFake({ servers: [{ id: 'srv' }] }, '0.0.0.0');

    const run = await runAgainst(fake, {
      'server-id': 'srv',
      'api-base-url': url(portOf(anywhere.baseUrl)),
    });

    expect(run.exitCode).toBe(1);
    expect(run.outputs.error).toMatch(/^api-base-url: expected /);
    expect(run.outputs).toMatchObject({ status: 'error', attempts: '0', results: '[]' });
    expect(anywhere.requests).toEqual([]);
    expect(fake.requests).toEqual([]);
  });

  it.each([
    ['127.0.0.1', '127.0.0.1'],
    ['another address in 127.0.0.0/8', '127.0.0.2'],
  ])('is accepted for loopback: %s', async (_name, host) => {
    const anywhere = await startFake({ servers: [{ id: 'srv' }] }, '0.0.0.0');

    const run = await runAgainst(anywhere, {
      'server-id': 'srv',
      'api-base-url': `http://${host}:${portOf(anywhere.baseUrl)}/client/v4`,
    });

    expect(run.exitCode).toBe(0);
    expect(anywhere.requests.map((request) => request.kind)).toEqual(['sync', 'read']);
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
  const redirectTo =
    (kind: RecordedRequest['kind'], status: number, elsewhere: () => string) =>
    (request: RecordedRequest): ScriptedReply | undefined =>
      request.kind === kind
        ? {
            status,
            headers: { location: `${elsewhere()}${request.url.replace(/^\/client\/v4/, '')}` },
            body: envelope({ status: 'ready' }),
          }
        : undefined;

  it.each([
    {
      kind: 'sync' as const,
      serverId: 'srv',
      exitCode: 1,
      check: (run: Awaited<ReturnType<typeof runAgainst>>) =>
        expect(run.outputs.error).toBe('HTTP 302: redirect not followed'),
    },
    {
      kind: 'read' as const,
      serverId: 'srv',
      exitCode: 0,
      check: (run: Awaited<ReturnType<typeof runAgainst>>) =>
        expect(annotations(run, 'warning')).toEqual([
          '::warning::tools and prompts of srv not read: HTTP 302: redirect not followed',
        ]),
    },
    {
      kind: 'list' as const,
      serverId: '*',
      exitCode: 1,
      check: (run: Awaited<ReturnType<typeof runAgainst>>) =>
        expect(run.outputs.error).toBe(
          'could not list MCP servers (page 1): HTTP 302: redirect not followed',
        ),
    },
  ])('of a $kind request is not followed', async ({ kind, serverId, exitCode, check }) => {
    const elsewhere = await startFake({ servers: [{ id: 'srv' }] });
    const fake = await startFake({
      servers: [{ id: 'srv' }],
      intercept: redirectTo(kind, 302, () => elsewhere.baseUrl),
    });

    const run = await runAgainst(fake, { 'server-id': serverId });

    expect(run.exitCode).toBe(exitCode);
    check(run);
    expect(elsewhere.requests).toEqual([]);
    expect(ofKind(fake, kind)).toHaveLength(1);
    expectContained(run, fake);
  });
});
