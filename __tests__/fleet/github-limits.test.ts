// Big fleets inside GitHub's limits, in-process: `results` under 256 KiB keeping failed, changed
// and not-ready servers first (the results-file has them all, and a warning names it), `error`
// under 64 KiB ending with `… and N more`, and the step's failure message as its first error
// annotation, with per-server annotations folded past GitHub's 10. Sizes are UTF-8 bytes.
import { beforeAll, describe, expect, it } from '@jest/globals';
import {
  upstreamFailure,
  type FakeCloudflareApi,
  type FakeServer,
} from '../../scripts/fake-cloudflare-api.js';
import { expectedResult, resultsFileOf, runFleet } from '../support/fleet-checks.js';
import {
  NO_CHANGES,
  annotationMessage,
  annotations,
  pageOf,
  resultsOf,
  serverIds,
  startFake,
  summaryRows,
  type Result,
} from '../support/harness.js';
import type { InProcessRun } from '../support/in-process.js';

const KIB = 1024;
const bytes = (text: string): number => Buffer.byteLength(text, 'utf8');

describe('results of 800 servers with 30 tools each', () => {
  const ids = serverIds(800);
  const tools = Array.from({ length: 30 }, (_, i) => `capability_number_${i + 1}`);
  // Late in the list, so that keeping them first takes reordering: waiting ones before changed
  // ones, which rank higher.
  const failed = ['srv-798', 'srv-799', 'srv-800'];
  const changed = ['srv-601', 'srv-602'];
  const waiting = ['srv-401', 'srv-402'];
  const FAILURE = 'upstream refused the connection';
  let fake: FakeCloudflareApi;
  let run: InProcessRun;

  beforeAll(async () => {
    fake = await startFake({
      servers: ids.map((id): FakeServer => ({
        id,
        tools,
        ...(failed.includes(id)
          ? { syncReplies: [upstreamFailure(FAILURE, { retryable: false })] }
          : {}),
        ...(changed.includes(id) ? { afterSync: { tools: [...tools, 'new_tool'] } } : {}),
        ...(waiting.includes(id) ? { readyAfterMs: 60_000 } : {}),
      })),
    });
    run = await runFleet(fake, {
      'server-id': '*',
      concurrency: '32',
      'wait-for-ready': 'false',
    });
  });

  /** Every server's whole entry, in selection order. */
  const expectedEntries = (): Result[] =>
    ids.map((id) =>
      failed.includes(id)
        ? expectedResult(fake, id, {
            status: 'error',
            error: FAILURE,
            error_details: { is_upstream: true, retryable: false },
            tools: null,
            prompts: null,
            changes: null,
          })
        : expectedResult(fake, id, {
            tools: changed.includes(id) ? [...tools, 'new_tool'] : tools,
            ...(changed.includes(id)
              ? { changes: { ...NO_CHANGES, tools: { ...NO_CHANGES.tools, added: ['new_tool'] } } }
              : {}),
            ...(waiting.includes(id) ? { status: 'waiting' } : {}),
          }),
    );

  it('syncs every server, reading Before through 9 list pages (the last empty) and After through 8', () => {
    expect(run.exitCode).toBe(1);
    expect(run.outputs.attempts).toBe('800');
    const pages = (count: number): number[] => Array.from({ length: count }, (_, i) => i + 1);
    expect(fake.requests.filter((r) => r.kind === 'list').map(pageOf)).toEqual([
      ...pages(9),
      ...pages(8),
    ]);
    expect(fake.requests).toHaveLength(9 + 800 + 8);
  });

  it('writes every server to the results-file, in selection order, never cut', () => {
    expect(bytes(run.resultsFile)).toBeGreaterThan(256 * KIB);
    expect(resultsFileOf(run)).toEqual(expectedEntries());
  });

  it('cuts `results` under 256 KiB: as many as fit, failed first, then changed, then not ready', () => {
    const all = expectedEntries();
    const rank = (entry: Result): number =>
      failed.includes(entry.server_id)
        ? 0
        : changed.includes(entry.server_id)
          ? 1
          : waiting.includes(entry.server_id)
            ? 2
            : 3;
    // A stable sort: selection order within each rank.
    const ranked = [...all].sort((a, b) => rank(a) - rank(b));
    const results = run.outputs.results ?? '';
    const kept = resultsOf(run);

    expect(bytes(results)).toBeLessThan(256 * KIB);
    expect(kept.length).toBeGreaterThan(failed.length + changed.length + waiting.length);
    expect(kept.length).toBeLessThan(all.length);
    expect(kept).toEqual(ranked.slice(0, kept.length));
    // No room for one more.
    expect(bytes(JSON.stringify(ranked.slice(0, kept.length + 1)))).toBeGreaterThanOrEqual(
      256 * KIB,
    );
  });

  it('warns first that `results` was cut, naming results-file', () => {
    const left = 800 - resultsOf(run).length;
    expect(annotations(run, 'warning').map(annotationMessage)).toEqual([
      `the results output leaves out ${left} MCP servers of 800 to stay within GitHub's output limit (failed, changed and not ready ones are kept first): the file named by the results-file output has them all`,
      ...waiting.map(
        () =>
          'still connecting to its upstream MCP server when the step ended: its tools may change once it is ready',
      ),
    ]);
  });

  it('keeps the whole table in the summary, under 512 KiB', () => {
    expect(bytes(run.summary)).toBeLessThan(512 * KIB);
    const rows = summaryRows(run.summary).slice(1);
    expect(rows.map((cells) => cells[0])).toEqual([
      ...failed,
      ...ids.filter((id) => !failed.includes(id) && waiting.includes(id)),
      ...ids.filter((id) => !failed.includes(id) && !waiting.includes(id)),
    ]);
  });
});

describe('many failed servers', () => {
  /** `count` servers whose syncs fail upstream with `message`. */
  async function failingFleet(
    count: number,
    message: (id: string) => string,
  ): Promise<{ ids: string[]; run: InProcessRun }> {
    const ids = serverIds(count);
    const fake = await startFake({
      servers: ids.map((id) => ({
        id,
        syncReplies: [upstreamFailure(message(id), { retryable: false })],
      })),
    });
    const run = await runFleet(fake, { 'server-id': '*', concurrency: '16' });
    expect(run.exitCode).toBe(1);
    expect(run.outputs.attempts).toBe(String(count));
    return { ids, run };
  }

  it('25: the failure message is the first error annotation, and at most 10 are shown', async () => {
    const { ids, run } = await failingFleet(25, (id) => `${id} is down`);

    expect(annotations(run, 'error').map(annotationMessage)).toEqual([
      `25 of 25 MCP servers failed to sync: ${ids.slice(0, 10).join(', ')} and 15 more`,
      ...ids.slice(0, 8).map((id) => `${id} is down`),
      '… and 17 more MCP servers failed: the job summary and the results-file output list every error',
    ]);
    // The error output has room for every one of them.
    expect(run.outputs.error?.split('\n')).toEqual(ids.map((id) => `${id}: ${id} is down`));
  });

  it('60 with long messages: `error` stays under 64 KiB, ending with `… and N more`', async () => {
    // 400 characters of 3 bytes each: 60 lines are about 70 KiB, though only 24,000 characters.
    const long = (id: string): string => `${id} ${'✓'.repeat(400)}`;
    const { ids, run } = await failingFleet(60, long);

    const error = run.outputs.error ?? '';
    const lines = error.split('\n');
    const kept = lines.length - 1;
    const all = ids.map((id) => `${id}: ${long(id)}`);
    expect(bytes(error)).toBeLessThan(64 * KIB);
    expect(kept).toBeGreaterThan(0);
    expect(lines).toEqual([...all.slice(0, kept), `… and ${60 - kept} more`]);
    // No room for one more line.
    expect(
      bytes([...all.slice(0, kept + 1), `… and ${59 - kept} more`].join('\n')),
    ).toBeGreaterThanOrEqual(64 * KIB);
    // The results-file and the results output (under its own limit) have every message whole.
    expect(resultsFileOf(run).map((result) => result.error)).toEqual(ids.map(long));
    expect(resultsOf(run)).toHaveLength(60);
  });
});
