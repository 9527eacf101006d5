// The action itself, run in-process against the fake, speaks Cloudflare's API as its OpenAPI
// document describes it: every request it sends and every answer it gets, across the ways a
// user selects servers (one id, several, `*`, a portal, a dry run) and the answers that change
// its course (waiting, a deploy that changes tools, an unknown id).
import { describe, expect, it } from '@jest/globals';
import type { FakeServer } from '../../scripts/fake-cloudflare-api.js';
import { baseInputs, startFake } from '../support/harness.js';
import { runInProcess } from '../support/in-process.js';
import { checkAgainstSpec } from './spec-check.js';

const SERVERS: FakeServer[] = [
  { id: 'docs-mcp', tools: ['search_docs', 'fetch_page'], prompts: ['summarize'] },
  {
    id: 'tickets',
    tools: [{ name: 'create_ticket', inputSchema: { type: 'object', properties: {} } }],
    afterSync: { tools: ['create_ticket', 'resolve_ticket'] },
    readyAfterMs: 300,
    updatedTools: [{ name: 'create_ticket', alias: 'new-ticket' }],
  },
  { id: 'needs-login', tools: ['x'], authenticationStatus: 'required' },
  ...Array.from({ length: 120 }, (_, i) => ({ id: `bulk-${i}`, tools: ['t'] })),
];

const PORTALS = [{ id: 'engineering', servers: [{ serverId: 'docs-mcp' }, { serverId: 'tickets' }] }];

describe("the action's requests and the answers it gets follow mcp.json", () => {
  it.each([
    ['one server', { 'server-id': 'docs-mcp' }],
    ['several servers, one of them waiting after a deploy', { 'server-id': 'docs-mcp,tickets' }],
    ['every server', { 'server-id': '*', concurrency: '8' }],
    ['a portal and a server', { 'portal-id': 'engineering', 'server-id': 'bulk-1' }],
    ['a dry run of every server', { 'server-id': '*', 'dry-run': 'true' }],
    ['an unknown id, with its did-you-mean', { 'server-id': 'doc-mcp' }],
    ['a server that needs an administrator', { 'server-id': 'needs-login' }],
  ])('%s', async (_case, inputs) => {
    const fake = await startFake({ servers: SERVERS, portals: PORTALS });
    await runInProcess({ ...baseInputs(fake), ...inputs });
    const report = await checkAgainstSpec(fake.requests);
    expect(fake.requests.length).toBeGreaterThan(0);
    expect(report.problems).toEqual([]);
    // Everything the action met here is a documented answer: nothing went unchecked.
    expect(report.unchecked).toEqual([]);
  });
});
