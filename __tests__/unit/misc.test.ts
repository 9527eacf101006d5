// mapConcurrently (order, limit, completeness) with tasks the test finishes by hand,
// pathSegment's encoding of server ids, formatSeconds, and the log lines of a server's changes.
import { describe, expect, it } from '@jest/globals';
import { pathSegment } from '../../src/api/cloudflare-api.js';
import { mapConcurrently } from '../../src/fleet/fleet.js';
import { logChanges } from '../../src/fleet/log-changes.js';
import { formatSeconds } from '../../src/format.js';

/** Tasks that stay pending until the test resolves them, counting how many run at once. */
class ControlledTasks {
  readonly started: number[] = [];
  inFlight = 0;
  maxInFlight = 0;
  private readonly finishers = new Map<number, () => void>();

  readonly task = (item: number): Promise<string> => {
    this.started.push(item);
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    return new Promise((resolve) => {
      this.finishers.set(item, () => {
        this.inFlight -= 1;
        resolve(`result ${item}`);
      });
    });
  };

  /** Finishes the running task for `item`, then lets the pool start the next one. */
  async finish(item: number): Promise<void> {
    const finisher = this.finishers.get(item);
    if (finisher === undefined) throw new Error(`task ${item} is not running`);
    this.finishers.delete(item);
    finisher();
    await flush();
  }

  get running(): number[] {
    return [...this.finishers.keys()];
  }
}

function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe('mapConcurrently', () => {
  it('never runs more than the limit at once and keeps the input order', async () => {
    const tasks = new ControlledTasks();
    const done = mapConcurrently(range(10), 3, tasks.task);
    await flush();
    expect(tasks.running).toEqual([0, 1, 2]);
    // Finish the newest running task each time, so results complete out of order.
    while (tasks.running.length > 0) {
      expect(tasks.inFlight).toBeLessThanOrEqual(3);
      await tasks.finish(Math.max(...tasks.running));
    }
    expect(await done).toEqual(range(10).map((i) => `result ${i}`));
    expect(tasks.maxInFlight).toBe(3);
  });

  it('starts every task at most once and all of them', async () => {
    const tasks = new ControlledTasks();
    const done = mapConcurrently(range(7), 2, tasks.task);
    await flush();
    while (tasks.running.length > 0) await tasks.finish(tasks.running[0] ?? -1);
    await done;
    expect([...tasks.started].sort((a, b) => a - b)).toEqual(range(7));
  });

  it.each([
    [1, 5],
    [4, 4],
    [64, 3],
  ])('with limit %i over %i items runs min(limit, items) at once', async (limit, count) => {
    const tasks = new ControlledTasks();
    const done = mapConcurrently(range(count), limit, tasks.task);
    await flush();
    expect(tasks.inFlight).toBe(Math.min(limit, count));
    while (tasks.running.length > 0) await tasks.finish(tasks.running[0] ?? -1);
    expect(await done).toHaveLength(count);
    expect(tasks.maxInFlight).toBe(Math.min(limit, count));
  });

  it('answers an empty list with an empty list', async () => {
    expect(await mapConcurrently([], 4, () => Promise.resolve('never'))).toEqual([]);
  });
});

describe('pathSegment', () => {
  it.each([
    ['a/b', 'a%2Fb'],
    ['a?b', 'a%3Fb'],
    ['a#b', 'a%23b'],
    ['100%', '100%25'],
    ['../x', '..%2Fx'],
    ['%2e%2e', '%252e%252e'],
    ['a b', 'a%20b'],
    ['plain-id_1', 'plain-id_1'],
    ['...', '...'],
  ])('encodes %j as %j', (value, expected) => {
    expect(pathSegment(value)).toBe(expected);
  });

  it.each(['', '.', '..'])('refuses %j', (value) => {
    expect(() => pathSegment(value)).toThrow(
      new Error(`refusing ${JSON.stringify(value)} as a path segment`),
    );
  });

  it('keeps an encoded id inside its segment of a URL', () => {
    const url = new URL(`https://api.example.com/servers/${pathSegment('../../x?y#z')}/sync`);
    expect(url.pathname).toBe('/servers/..%2F..%2Fx%3Fy%23z/sync');
    expect(url.search).toBe('');
    expect(url.hash).toBe('');
  });
});

describe('formatSeconds', () => {
  it.each([
    [0, '0.0 s'],
    [400, '0.4 s'],
    [9_900, '9.9 s'],
    [10_000, '10 s'],
    [12_499, '12 s'],
    [12_500, '13 s'],
  ])('writes %i ms as %j', (ms, text) => {
    expect(formatSeconds(ms)).toBe(text);
  });
});

describe('logChanges', () => {
  it('logs tools and prompts in one line, then each breaking change in its own', () => {
    const lines: string[] = [];
    logChanges(
      {
        serverId: 'docs-mcp',
        status: 'ready',
        attempts: 1,
        durationMs: 10,
        warnings: [],
        changes: {
          tools: { added: ['list_pages'], removed: ['fetch_page'], changed: [] },
          prompts: { added: [], removed: [], changed: ['summarize'] },
          breaking: ['tool fetch_page removed'],
        },
      },
      (line) => lines.push(line),
    );
    expect(lines).toEqual([
      'docs-mcp: tools +list_pages -fetch_page; prompts ~summarize',
      'docs-mcp: breaking: tool fetch_page removed',
    ]);
  });
});
