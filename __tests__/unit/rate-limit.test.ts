// RateLimitGate with injected clocks, never real time. The first part drives the gate step by step
// with a clock whose sleep() simply moves time forward; the second simulates a fixed-window server
// (15 requests per 2000 ms) under virtual time and checks that it never sees more than 15 in a
// window, however many workers crowd the gate and in whatever order the answers come back.
import { describe, expect, it } from '@jest/globals';
import type { Clock } from '../../src/clock.js';
import type { Headers } from '../../src/api/headers.js';
import { RateLimitGate, type Ticket } from '../../src/retry/rate-limit.js';

const NO_DEADLINE = Number.MAX_SAFE_INTEGER;

/** Time stands still until someone sleeps; sleeping moves it forward at once. */
class SteppingClock implements Clock {
  private time = 0;
  now(): number {
    return this.time;
  }
  sleep(ms: number): Promise<void> {
    this.time += Math.max(0, ms);
    return Promise.resolve();
  }
}

/** A `Ratelimit` header as Cloudflare sends it. */
function rateLimitHeaders(remaining: number, resetSeconds: number): Headers {
  return { ratelimit: `"default";r=${remaining};t=${resetSeconds}` };
}

function setup(): { clock: SteppingClock; gate: RateLimitGate } {
  const clock = new SteppingClock();
  return { clock, gate: new RateLimitGate(clock) };
}

/** The requests the gate lets through right now, without any waiting (at most `cap`). */
async function admitNow(gate: RateLimitGate, clock: Clock, cap = 100): Promise<Ticket[]> {
  const tickets: Ticket[] = [];
  while (tickets.length < cap) {
    const ticket = await gate.acquire(clock.now() + 1);
    if (ticket === undefined) break;
    tickets.push(ticket);
  }
  return tickets;
}

/** Acquires with no deadline; answers the ticket and the time at which the gate let it go. */
async function openedAt(gate: RateLimitGate, clock: Clock): Promise<[Ticket, number]> {
  const ticket = await gate.acquire(NO_DEADLINE);
  if (ticket === undefined) throw new Error('the gate refused without a deadline');
  return [ticket, clock.now()];
}

describe('RateLimitGate, step by step', () => {
  it('never blocks while no response has carried rate-limit headers', async () => {
    const { clock, gate } = setup();
    const tickets = await admitNow(gate, clock, 50);
    expect(tickets).toHaveLength(50);
    for (const ticket of tickets) gate.settle(ticket, 200, {});
    expect(await admitNow(gate, clock, 50)).toHaveLength(50);
    expect(clock.now()).toBe(0);
  });

  it('lets r more requests through, then blocks until the reset at now + t', async () => {
    const { clock, gate } = setup();
    const [first] = await admitNow(gate, clock, 1);
    gate.settle(first!, 200, rateLimitHeaders(2, 3));
    expect(await admitNow(gate, clock)).toHaveLength(2);
    expect((await openedAt(gate, clock))[1]).toBe(3000);
  });

  it('does not count what the server may not have counted yet', async () => {
    const { clock, gate } = setup();
    const [a] = await admitNow(gate, clock, 3); // a, then b and c while a is in flight
    gate.settle(a!, 200, rateLimitHeaders(5, 10)); // b and c may land after a: 5 - 2 = 3 left
    expect(await admitNow(gate, clock)).toHaveLength(3);
  });

  it('counts a request in flight when another was sent as uncounted by that one', async () => {
    const { clock, gate } = setup();
    const [a, b] = await admitNow(gate, clock, 2);
    gate.settle(b!, 200, rateLimitHeaders(5, 10)); // a was in flight when b went: 5 - 1
    gate.settle(a!, 200, rateLimitHeaders(6, 10)); // b went after a: 6 - 1
    expect(await admitNow(gate, clock)).toHaveLength(5);
  });

  it('lets a lower reading of the current window cap the count (another client spends too)', async () => {
    const { clock, gate } = setup();
    const [a, b] = await admitNow(gate, clock, 2);
    gate.settle(a!, 200, rateLimitHeaders(5, 10));
    gate.settle(b!, 200, rateLimitHeaders(2, 10));
    expect(await admitNow(gate, clock)).toHaveLength(2);
  });

  it('does not take answers that come back out of order for a new window', async () => {
    const { clock, gate } = setup();
    const [primer] = await admitNow(gate, clock, 1);
    gate.settle(primer!, 200, rateLimitHeaders(14, 2));
    const [a, b] = await admitNow(gate, clock, 2);
    gate.settle(b!, 200, rateLimitHeaders(12, 2)); // the server counted a, then b
    gate.settle(a!, 200, rateLimitHeaders(13, 2));
    expect((await admitNow(gate, clock)).length).toBeLessThanOrEqual(12);
  });

  it('pauses every later acquire until a 429 Retry-After has passed', async () => {
    const { clock, gate } = setup();
    const [, , c] = await admitNow(gate, clock, 3);
    gate.settle(c!, 429, { 'retry-after': '7' });
    expect(await admitNow(gate, clock)).toHaveLength(0);
    const [probe, openedTime] = await openedAt(gate, clock);
    expect(openedTime).toBe(7000);
    gate.settle(probe, 200, {}); // no reading: nothing to pace by
    expect(await admitNow(gate, clock, 3)).toHaveLength(3);
  });

  it('honours a 429 Retry-After without starving when the reading says requests are left', async () => {
    const { clock, gate } = setup();
    const [a] = await admitNow(gate, clock, 1);
    gate.settle(a!, 429, { 'retry-after': '2', ...rateLimitHeaders(1199, 300) });
    expect(await admitNow(gate, clock)).toHaveLength(0);
    expect((await openedAt(gate, clock))[1]).toBe(2000);
  });

  it('waits for the known window end after a 429 without Retry-After', async () => {
    const { clock, gate } = setup();
    const [a, b] = await admitNow(gate, clock, 2);
    gate.settle(a!, 200, rateLimitHeaders(5, 10));
    gate.settle(b!, 429, {});
    expect(await admitNow(gate, clock)).toHaveLength(0);
    expect((await openedAt(gate, clock))[1]).toBe(10_000);
  });

  it('keeps the longer pause when a shorter Retry-After follows', async () => {
    const { clock, gate } = setup();
    const [a, b] = await admitNow(gate, clock, 2);
    gate.settle(a!, 429, { 'retry-after': '9' });
    gate.settle(b!, 429, { 'retry-after': '1' });
    expect((await openedAt(gate, clock))[1]).toBe(9000);
  });

  it('refuses, without waiting or counting, when the gate opens at or after the deadline', async () => {
    const { clock, gate } = setup();
    const [a, b] = await admitNow(gate, clock, 2);
    gate.settle(b!, 200, rateLimitHeaders(0, 5)); // nothing left until 5000
    expect(await gate.acquire(5000)).toBeUndefined(); // opens exactly at the deadline
    expect(await gate.acquire(4000)).toBeUndefined(); // opens after the deadline
    expect(clock.now()).toBe(0);

    await clock.sleep(5000);
    gate.settle(a!, 200, rateLimitHeaders(3, 10)); // a, answered in the next window; b went after it
    // Had the refused acquires been counted, fewer than 3 - 1 would be left.
    expect(await admitNow(gate, clock)).toHaveLength(2);
  });

  it('waits for an opening that comes before the deadline', async () => {
    const { clock, gate } = setup();
    const [a] = await admitNow(gate, clock, 1);
    gate.settle(a!, 200, rateLimitHeaders(0, 5));
    expect(await gate.acquire(5001)).toBeDefined();
    expect(clock.now()).toBe(5000);
  });

  it('sends one probe when the window is over, and the others after its reading', async () => {
    const { clock, gate } = setup();
    const [a] = await admitNow(gate, clock, 1);
    gate.settle(a!, 200, rateLimitHeaders(0, 2));
    const [probe, time] = await openedAt(gate, clock);
    expect(time).toBe(2000);
    expect(await admitNow(gate, clock)).toHaveLength(0);
    gate.settle(probe, 200, rateLimitHeaders(4, 2));
    expect(await admitNow(gate, clock)).toHaveLength(4);
  });

  it('probes again when the probe got no answer', async () => {
    const { clock, gate } = setup();
    const [a] = await admitNow(gate, clock, 1);
    gate.settle(a!, 200, rateLimitHeaders(0, 2));
    const [probe] = await openedAt(gate, clock);
    gate.settle(probe, undefined, {});
    expect(await admitNow(gate, clock)).toHaveLength(1);
  });

  it('does not let a late answer from an older window shorten the current one', async () => {
    const { clock, gate } = setup();
    const [a, b] = await admitNow(gate, clock, 2); // the server's window rolled over between a and b
    gate.settle(b!, 200, rateLimitHeaders(5, 300)); // the current window: 5 - 1 (a in flight)
    gate.settle(a!, 200, rateLimitHeaders(0, 1)); // a, late: the old window, long over
    expect(await admitNow(gate, clock)).toHaveLength(4);
    expect((await openedAt(gate, clock))[1]).toBe(300_000);
  });
});

// --- A fixed-window server under virtual time -------------------------------------------------

/** Virtual time: sleep() registers a timer; run() fires timers in time order until work is done. */
class VirtualClock implements Clock {
  private time = 0;
  private sequence = 0;
  private timers: { at: number; sequence: number; fire: () => void }[] = [];

  now(): number {
    return this.time;
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.timers.push({
        at: this.time + Math.max(0, ms),
        sequence: this.sequence++,
        fire: resolve,
      });
    });
  }

  /** Runs `work` to completion, moving time forward only when everything else is waiting. */
  async run<T>(work: Promise<T>): Promise<T> {
    let done = false;
    const finished = work.finally(() => {
      done = true;
    });
    for (;;) {
      await new Promise((resolve) => setImmediate(resolve)); // let every pending promise settle
      if (done) return finished;
      this.timers.sort((a, b) => a.at - b.at || a.sequence - b.sequence);
      const next = this.timers.shift();
      if (next === undefined) throw new Error('simulation deadlocked: nothing to wait for');
      this.time = Math.max(this.time, next.at);
      next.fire();
    }
  }
}

/**
 * Counts every arriving request in its fixed window and answers as Cloudflare does: `r` left and
 * `t` = whole seconds to the reset, rounded up; past the limit, 429 with Retry-After.
 */
class FixedWindowServer {
  readonly arrivals = new Map<number, number>();
  rejected = 0;

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  receive(now: number): { status: number; headers: Headers } {
    const window = Math.floor(now / this.windowMs);
    const count = (this.arrivals.get(window) ?? 0) + 1;
    this.arrivals.set(window, count);
    const resetSeconds = Math.ceil(((window + 1) * this.windowMs - now) / 1000);
    const headers = rateLimitHeaders(Math.max(0, this.limit - count), resetSeconds);
    if (count <= this.limit) return { status: 200, headers };
    this.rejected += 1;
    return { status: 429, headers: { ...headers, 'retry-after': String(resetSeconds) } };
  }

  get mostInOneWindow(): number {
    return Math.max(0, ...this.arrivals.values());
  }
}

interface Scenario {
  workers: number;
  /** Network latency to and from the server for the i-th request. */
  latency: (request: number) => [up: number, down: number];
  /** Send one request alone first, so that the gate knows the limit before the workers start. */
  primed?: boolean;
}

const LIMIT = 15;
const WINDOW_MS = 2000;
const REQUESTS = 40;

async function simulate({ workers, latency, primed = false }: Scenario) {
  const clock = new VirtualClock();
  const gate = new RateLimitGate(clock);
  const server = new FixedWindowServer(LIMIT, WINDOW_MS);
  let issued = 0;
  let completed = 0;

  const worker = async (quota: number): Promise<void> => {
    while (issued < quota) {
      const request = issued;
      issued += 1;
      const ticket = await gate.acquire(NO_DEADLINE);
      if (ticket === undefined) throw new Error('the gate refused without a deadline');
      const [up, down] = latency(request);
      await clock.sleep(up);
      const answer = server.receive(clock.now());
      await clock.sleep(down);
      gate.settle(ticket, answer.status, answer.headers);
      completed += 1;
    }
  };

  await clock.run(
    (async () => {
      if (primed) await worker(1);
      await Promise.all(Array.from({ length: workers }, () => worker(REQUESTS)));
    })(),
  );
  return {
    completed,
    mostInOneWindow: server.mostInOneWindow,
    rejected: server.rejected,
    endedAt: clock.now(),
  };
}

/** Latencies that vary from request to request (deterministic), so answers come back out of order. */
const scrambled =
  (spreadMs: number) =>
  (request: number): [number, number] => [
    (request * 37) % spreadMs,
    (request * 91 + 13) % spreadMs,
  ];
const fixed = (ms: number) => (): [number, number] => [ms, ms];

describe('RateLimitGate against a fixed-window server (15 per 2000 ms)', () => {
  it.each([
    ['1 sequential worker, no latency', { workers: 1, latency: fixed(0) }],
    ['1 sequential worker, 50 ms latency', { workers: 1, latency: fixed(50) }],
    ['1 sequential worker, 300 ms latency', { workers: 1, latency: fixed(300) }],
    ['1 sequential worker, varying latency', { workers: 1, latency: scrambled(300) }],
    ['4 concurrent workers, no latency', { workers: 4, latency: fixed(0) }],
    ['4 concurrent workers, 50 ms latency', { workers: 4, latency: fixed(50) }],
    ['8 concurrent workers, 300 ms latency', { workers: 8, latency: fixed(300) }],
    [
      '8 concurrent workers, primed, 50 ms latency',
      { workers: 8, latency: fixed(50), primed: true },
    ],
  ])('keeps %s within the limit', async (_case, scenario: Scenario) => {
    const result = await simulate(scenario);
    expect(result.completed).toBe(REQUESTS);
    expect(result.mostInOneWindow).toBeLessThanOrEqual(LIMIT);
    expect(result.rejected).toBe(0);
    // Paced, not starved: 40 requests at 15 per window need 3 windows, plus the latency.
    expect(result.endedAt).toBeLessThan(4 * WINDOW_MS + 2 * 300 * REQUESTS);
  });

  it.each([
    ['40 concurrent workers, primed, no latency', { workers: 40, latency: fixed(0), primed: true }],
    [
      '16 concurrent workers, primed, 50 ms latency',
      { workers: 16, latency: fixed(50), primed: true },
    ],
    ['8 concurrent workers, latency varying up to 300 ms', { workers: 8, latency: scrambled(300) }],
    [
      '12 concurrent workers, primed, latency varying up to 500 ms',
      { workers: 12, latency: scrambled(500), primed: true },
    ],
  ])(
    'keeps %s within the limit, whatever the crowd or order',
    async (_case, scenario: Scenario) => {
      const result = await simulate(scenario);
      expect(result.completed).toBe(REQUESTS);
      expect(result.mostInOneWindow).toBeLessThanOrEqual(LIMIT);
      expect(result.rejected).toBe(0);
    },
  );
});
