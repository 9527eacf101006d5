// wait-for-ready: a sync that answers `waiting` is followed by reads at an interval growing from
// 1 s to at most 10 s until the server leaves `waiting` (a fleet through list pages), within
// timeout-seconds. The action and the fake share one stepping clock: time moves only when the
// action waits, so the fake's request log says exactly when each read came, and no test sleeps.
import { describe, expect, it } from '@jest/globals';
import {
  apiError,
  type FakeApiOptions,
  type FakeCloudflareApi,
} from '../../scripts/fake-cloudflare-api.js';
import {
  SERVER_ID,
  TOOLS,
  annotations,
  baseInputs,
  resultsOf,
  startFake,
} from '../support/harness.js';
import { runInProcess, type InProcessRun } from '../support/in-process.js';
import { SteppingClock } from '../support/virtual-clock.js';

interface Watched {
  fake: FakeCloudflareApi;
  run: InProcessRun;
  clock: SteppingClock;
}

/** Runs the action with `inputs` against a fake holding `options`, both on one stepping clock. */
async function watch(options: FakeApiOptions, inputs: Record<string, string>): Promise<Watched> {
  const clock = new SteppingClock();
  const fake = await startFake({ ...options, now: () => clock.now() });
  const run = await runInProcess({ ...baseInputs(fake), ...inputs }, { clock });
  return { fake, run, clock };
}

/** `kind@time` of every request, in arrival order. */
function timeline(fake: FakeCloudflareApi): string[] {
  return fake.requests.map((request) => `${request.kind}@${request.at}`);
}

const DEPLOYED = [...TOOLS, 'list_pages'];

describe('wait-for-ready', () => {
  it('watches a waiting server at growing intervals until it is ready, and reads After from that reading', async () => {
    const { fake, run, clock } = await watch(
      {
        servers: [
          { id: SERVER_ID, tools: TOOLS, readyAfterMs: 1500, afterSync: { tools: DEPLOYED } },
        ],
      },
      { 'server-id': SERVER_ID },
    );

    expect(timeline(fake)).toEqual(['read@0', 'sync@0', 'read@1000', 'read@3000']);
    expect(clock.sleeps).toEqual([1000, 2000]);
    expect(run.exitCode).toBe(0);
    expect(run.outputs).toMatchObject({ status: 'ready', error: '', attempts: '1' });
    expect(resultsOf(run)).toEqual([
      expect.objectContaining({
        server_id: SERVER_ID,
        status: 'ready',
        error: null,
        duration_ms: 3000,
        tools: DEPLOYED,
        changes: {
          tools: { added: ['list_pages'], removed: [], changed: [] },
          prompts: { added: [], removed: [], changed: [] },
          breaking: [],
        },
      }),
    ]);
    expect(annotations(run, 'warning')).toEqual([]);
  });

  it('the interval stops growing at 10 s', async () => {
    const { fake } = await watch(
      { servers: [{ id: SERVER_ID, tools: TOOLS, readyAfterMs: 30_000 }] },
      { 'server-id': SERVER_ID, 'timeout-seconds': '60' },
    );

    expect(timeline(fake)).toEqual([
      'read@0',
      'sync@0',
      'read@1000',
      'read@3000',
      'read@7000',
      'read@15000',
      'read@25000',
      'read@35000',
    ]);
  });

  it('a fleet is watched through list pages, each server until it is ready', async () => {
    const { fake, run } = await watch(
      {
        servers: [
          { id: 'soon-mcp', tools: TOOLS, readyAfterMs: 1500 },
          { id: 'late-mcp', tools: TOOLS, readyAfterMs: 4000 },
          { id: 'now-mcp', tools: TOOLS },
        ],
      },
      { 'server-id': 'soon-mcp, late-mcp, now-mcp' },
    );

    expect(timeline(fake)).toEqual([
      'list@0',
      'sync@0',
      'sync@0',
      'sync@0',
      // now-mcp answered ready: the first After reading comes at once.
      'list@0',
      'list@1000',
      'list@3000',
      // late-mcp alone is left: one server, one read.
      'read@7000',
    ]);
    expect(run.exitCode).toBe(0);
    expect(
      resultsOf(run).map(({ server_id, status, duration_ms }) => ({
        server_id,
        status,
        duration_ms,
      })),
    ).toEqual([
      { server_id: 'soon-mcp', status: 'ready', duration_ms: 3000 },
      { server_id: 'late-mcp', status: 'ready', duration_ms: 7000 },
      { server_id: 'now-mcp', status: 'ready', duration_ms: 0 },
    ]);
  });

  it('fails a server still waiting when timeout-seconds leaves no room for the next read', async () => {
    const { fake, run } = await watch(
      { servers: [{ id: SERVER_ID, tools: TOOLS, readyAfterMs: 1500 }] },
      { 'server-id': SERVER_ID, 'timeout-seconds': '2' },
    );

    const error =
      'still waiting after 1.0 s: the server had not finished connecting to its upstream when timeout-seconds (2.0 s) ran out';
    expect(timeline(fake)).toEqual(['read@0', 'sync@0', 'read@1000']);
    expect(run.exitCode).toBe(1);
    expect(run.outputs).toMatchObject({
      status: 'error',
      error,
      retryable: 'true',
      attempts: '1',
    });
    expect(resultsOf(run)).toEqual([
      expect.objectContaining({ status: 'error', error, duration_ms: 1000 }),
    ]);
  });

  it('takes no pause that would end on the deadline itself', async () => {
    const { fake, run, clock } = await watch(
      { servers: [{ id: SERVER_ID, tools: TOOLS, readyAfterMs: 30_000 }] },
      { 'server-id': SERVER_ID, 'timeout-seconds': '3' },
    );

    expect(timeline(fake)).toEqual(['read@0', 'sync@0', 'read@1000']);
    expect(clock.sleeps).toEqual([1000]);
    expect(run.outputs.error).toBe(
      'still waiting after 1.0 s: the server had not finished connecting to its upstream when timeout-seconds (3.0 s) ran out',
    );
  });

  it('reads again a server whose watch read failed', async () => {
    const { fake, run } = await watch(
      {
        servers: [{ id: SERVER_ID, tools: TOOLS, readyAfterMs: 1500 }],
        intercept: (request) =>
          request.kind === 'read' && request.at === 1000
            ? apiError(400, 10_000, 'bad read')
            : undefined,
      },
      { 'server-id': SERVER_ID },
    );

    expect(timeline(fake)).toEqual(['read@0', 'sync@0', 'read@1000', 'read@3000']);
    expect(run.outputs).toMatchObject({ status: 'ready', error: '' });
  });

  it('does not watch a server whose sync failed, though the answer said waiting', async () => {
    const failedWaiting = {
      success: true,
      errors: [],
      result: { status: 'waiting', error: 'upstream refused', error_details: { retryable: false } },
    };
    const { fake, run, clock } = await watch(
      { servers: [{ id: SERVER_ID, tools: TOOLS, syncReplies: [{ body: failedWaiting }] }] },
      { 'server-id': SERVER_ID },
    );

    expect(timeline(fake)).toEqual(['read@0', 'sync@0']);
    expect(clock.sleeps).toEqual([]);
    expect(run.outputs).toMatchObject({ status: 'error', error: 'upstream refused' });
  });

  it('wait-for-ready false: a waiting server is read once at once and passes with a warning', async () => {
    const { fake, run, clock } = await watch(
      { servers: [{ id: SERVER_ID, tools: TOOLS, readyAfterMs: 1500 }] },
      { 'server-id': SERVER_ID, 'wait-for-ready': 'false' },
    );

    expect(timeline(fake)).toEqual(['read@0', 'sync@0', 'read@0']);
    expect(clock.sleeps).toEqual([]);
    expect(run.exitCode).toBe(0);
    expect(run.outputs).toMatchObject({ status: 'waiting', error: '', attempts: '1' });
    expect(resultsOf(run)).toEqual([
      expect.objectContaining({ status: 'waiting', error: null, tools: TOOLS }),
    ]);
    expect(annotations(run, 'warning')).toEqual([
      `::warning title=MCP server ${SERVER_ID}::still connecting to its upstream MCP server when the step ended: its tools may change once it is ready`,
    ]);
  });
});
