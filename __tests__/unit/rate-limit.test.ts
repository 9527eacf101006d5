// RateLimitGate with injected clocks, never real time. The first part drives the gate step by step
// with a clock whose sleep() simply moves time forward; the second simulates a fixed-window server
// (15 requests per 2000 ms) under virtual time and checks, window by window, that it never sees
// more than 15 and that the gate sends as soon as a window allows, however many workers crowd the
// gate and in whatever order the answers come back.
import { describe, expect, it } from '@jest/globals';
import type { Clock } from '../../src/clock.js';
import type { Headers } from '../../src/api/headers.js';
import { RateLimitGate, type Ticket } from '../../src/api/rate-limit.js';
import { SteppingClock, VirtualClock } from '../support/virtual-clock.js';

const NO_DEADLINE = Number.MAX_SAFE_INTEGER;

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
    gate.settle(b!, 200, rateLimitHeaders(12, 2)); // the server counted a, then b: 12 - 0 - 1 (a)
    gate.settle(a!, 200, rateLimitHeaders(13, 2)); // b went after a: 13 - 1
    expect(await admitNow(gate, clock)).toHaveLength(12);
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

  it('pauses for the reading’s reset after a 429 that carries r=0 but no Retry-After', async () => {
    const { clock, gate } = setup();
    const [a] = await admitNow(gate, clock, 1);
    gate.settle(a!, 429, rateLimitHeaders(0, 4));
    expect((await openedAt(gate, clock))[1]).toBe(4000);
  });

  it('pauses one second after a 429 that says nothing, then sends one probe', async () => {
    const { clock, gate } = setup();
    const [a] = await admitNow(gate, clock, 1);
    gate.settle(a!, 429, {});
    const [probe, time] = await openedAt(gate, clock);
    expect(time).toBe(1000);
    expect(await admitNow(gate, clock)).toHaveLength(0);
    gate.settle(probe, 200, rateLimitHeaders(3, 60));
    expect(await admitNow(gate, clock)).toHaveLength(3);
  });

  it('pauses for a late 429’s reset of r=0 when it ends after the window we know', async () => {
    const { clock, gate } = setup();
    const [a, b] = await admitNow(gate, clock, 2);
    gate.settle(b!, 200, rateLimitHeaders(5, 2)); // the current window, from b: ends by 2000
    gate.settle(a!, 429, rateLimitHeaders(0, 3)); // a, an older window: none left for 3 s
    expect((await openedAt(gate, clock))[1]).toBe(3000);
  });

  it('trusts a 429’s reading over a higher count of its own', async () => {
    const { clock, gate } = setup();
    const [a, b] = await admitNow(gate, clock, 2);
    gate.settle(a!, 200, rateLimitHeaders(9, 60)); // b went after a: 9 - 1 = 8 left
    gate.settle(b!, 429, { 'retry-after': '1', ...rateLimitHeaders(3, 60) }); // 3 - 0 - 1 (a)
    expect((await openedAt(gate, clock))[1]).toBe(1000);
    expect(await admitNow(gate, clock)).toHaveLength(1);
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

  it('stops waiting, counting nothing, when the signal aborts', async () => {
    const clock = new VirtualClock();
    const gate = new RateLimitGate(clock);
    const [a] = await admitNow(gate, clock, 1);
    gate.settle(a!, 200, rateLimitHeaders(0, 5));
    const stop = new AbortController();
    const [ticket] = await clock.run(
      Promise.all([
        gate.acquire(NO_DEADLINE, stop.signal),
        clock.sleep(1000).then(() => stop.abort()),
      ]),
    );
    expect(ticket).toBeUndefined();
    expect(clock.now()).toBe(1000);
    const [probe] = await clock.run(openedAt(gate, clock));
    expect(clock.now()).toBe(5000);
    gate.settle(probe, 200, rateLimitHeaders(2, 5)); // nothing else in flight: 2 - 0
    expect(await admitNow(gate, clock)).toHaveLength(2);
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

  it('looks again every 25 ms while the probe is out', async () => {
    const { clock, gate } = setup();
    const [a] = await admitNow(gate, clock, 1);
    gate.settle(a!, 200, rateLimitHeaders(0, 2));
    await openedAt(gate, clock); // the probe, at 2000
    expect(await gate.acquire(2025)).toBeUndefined(); // the next look, at 2025, is too late
    expect(clock.sleeps).toEqual([2000]);
    expect(await gate.acquire(2026)).toBeUndefined(); // looks at 2025; the one after is too late
    expect(clock.sleeps).toEqual([2000, 25]);
  });

  it('keeps the probe alone while older requests come back without a reading', async () => {
    const { clock, gate } = setup();
    const [a, b] = await admitNow(gate, clock, 2);
    gate.settle(a!, 200, rateLimitHeaders(0, 2)); // b went after a: the window is spent
    const [probe] = await openedAt(gate, clock);
    gate.settle(b!, 200, {}); // b, late: not the probe, so the probe is still out
    expect(await admitNow(gate, clock)).toHaveLength(0);
    gate.settle(probe, 200, rateLimitHeaders(4, 2)); // b was in flight when the probe went: 4 - 1
    expect(await admitNow(gate, clock)).toHaveLength(3);
  });

  it('probes again when the probe got no answer', async () => {
    const { clock, gate } = setup();
    const [a] = await admitNow(gate, clock, 1);
    gate.settle(a!, 200, rateLimitHeaders(0, 2));
    const [probe] = await openedAt(gate, clock);
    gate.settle(probe, undefined, {});
    expect(await admitNow(gate, clock)).toHaveLength(1);
  });

  it('stops pacing when the probe is answered without a reading', async () => {
    const { clock, gate } = setup();
    const [a] = await admitNow(gate, clock, 1);
    gate.settle(a!, 200, rateLimitHeaders(0, 2));
    const [probe] = await openedAt(gate, clock);
    gate.settle(probe, 200, {});
    expect(await admitNow(gate, clock, 50)).toHaveLength(50);
  });

  it('keeps pacing when an older request is answered without a reading', async () => {
    const { clock, gate } = setup();
    const [a, b] = await admitNow(gate, clock, 2);
    gate.settle(a!, 200, rateLimitHeaders(1, 60)); // b went after a: 1 - 1 = 0 left
    gate.settle(b!, 200, {});
    expect(await admitNow(gate, clock)).toHaveLength(0);
  });

  it('does not let a late answer from an older window shorten the current one', async () => {
    const { clock, gate } = setup();
    const [a, b] = await admitNow(gate, clock, 2); // the server's window rolled over between a and b
    gate.settle(b!, 200, rateLimitHeaders(5, 300)); // the current window: 5 - 1 (a in flight)
    gate.settle(a!, 200, rateLimitHeaders(0, 1)); // a, late: the old window, long over
    expect(await admitNow(gate, clock)).toHaveLength(4);
    expect((await openedAt(gate, clock))[1]).toBe(300_000);
  });

  it('takes the earliest end that readings of the current window give', async () => {
    const { clock, gate } = setup();
    const [a, b] = await admitNow(gate, clock, 2);
    gate.settle(a!, 200, rateLimitHeaders(1, 3)); // t rounds up: the window ends by 3000
    await clock.sleep(500);
    gate.settle(b!, 200, rateLimitHeaders(0, 2)); // ... and, from this reading, by 2500
    expect((await openedAt(gate, clock))[1]).toBe(2500);
  });

  it('takes a reading for a window that ends more than a second later as a new window', async () => {
    const { clock, gate } = setup();
    const [a, b] = await admitNow(gate, clock, 2);
    gate.settle(a!, 200, rateLimitHeaders(0, 2)); // b went after a: spent until 2000
    gate.settle(b!, 200, rateLimitHeaders(3, 60)); // b, counted in a later window: 3 - 1 (a)
    expect(await admitNow(gate, clock)).toHaveLength(2);
    expect((await openedAt(gate, clock))[1]).toBe(60_000);
  });

  it('lets the first reading of a new window cap what the last window left', async () => {
    const { clock, gate } = setup();
    const [a, b] = await admitNow(gate, clock, 2);
    gate.settle(a!, 200, rateLimitHeaders(10, 2)); // b went after a: 9 left until 2000
    await clock.sleep(2500);
    gate.settle(b!, 200, rateLimitHeaders(2, 60)); // b was counted in the next window: 2 left
    expect(await admitNow(gate, clock)).toHaveLength(2);
  });

  it('takes a reading that ends up to a second later as the same window', async () => {
    const { clock, gate } = setup();
    const [a, b] = await admitNow(gate, clock, 2);
    gate.settle(a!, 200, rateLimitHeaders(5, 2)); // b went after a: 4 left until 2000
    await clock.sleep(1000);
    gate.settle(b!, 200, rateLimitHeaders(4, 2)); // ends by 3000: t rounds up, the same window
    expect(await admitNow(gate, clock)).toHaveLength(4);
    expect((await openedAt(gate, clock))[1]).toBe(2000);
  });

  it('takes the probe’s reading as a new window, however soon it ends', async () => {
    const { clock, gate } = setup();
    const [a] = await admitNow(gate, clock, 1);
    gate.settle(a!, 200, rateLimitHeaders(0, 2));
    const [probe] = await openedAt(gate, clock); // at 2000
    gate.settle(probe, 200, rateLimitHeaders(5, 1)); // ends by 3000, within a second of 2000
    expect(await admitNow(gate, clock)).toHaveLength(5);
    expect((await openedAt(gate, clock))[1]).toBe(3000);
  });

  it('keeps the last Ratelimit-Policy a response gave', async () => {
    const { clock, gate } = setup();
    const [a, b, c] = await admitNow(gate, clock, 3);
    expect(gate.policy).toBeUndefined();
    gate.settle(a!, 200, { 'ratelimit-policy': '"default";q=1200;w=300' });
    expect(gate.policy).toEqual({ quota: 1200, windowSeconds: 300 });
    gate.settle(b!, 200, {});
    expect(gate.policy).toEqual({ quota: 1200, windowSeconds: 300 });
    gate.settle(c!, 200, { 'ratelimit-policy': '"default";q=600;w=300' });
    expect(gate.policy).toEqual({ quota: 600, windowSeconds: 300 });
  });
});

// --- A fixed-window server under virtual time -------------------------------------------------

/**
 * Counts every arriving request in its fixed window and answers as Cloudflare does: `r` left and
 * `t` = whole seconds to the reset, rounded up; past the limit, 429 with Retry-After.
 */
class FixedWindowServer {
  private readonly arrivals: number[] = [];
  rejected = 0;

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  receive(now: number): { status: number; headers: Headers } {
    const window = Math.floor(now / this.windowMs);
    while (this.arrivals.length <= window) this.arrivals.push(0);
    const count = (this.arrivals[window] ?? 0) + 1;
    this.arrivals[window] = count;
    const resetSeconds = Math.ceil(((window + 1) * this.windowMs - now) / 1000);
    const headers = rateLimitHeaders(Math.max(0, this.limit - count), resetSeconds);
    if (count <= this.limit) return { status: 200, headers };
    this.rejected += 1;
    return { status: 429, headers: { ...headers, 'retry-after': String(resetSeconds) } };
  }

  /** How many requests arrived in each window, from the first. */
  get perWindow(): number[] {
    return [...this.arrivals];
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
    perWindow: server.perWindow,
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
  // Exact figures on the virtual clock: no window gets more than 15, nor fewer than the latency
  // allows, so waiting too long or sending a second probe into a new window changes them. Without
  // latency the third window opens at 4000 with the probe, the others following at the next look,
  // 25 ms later; one worker at 300 ms each way never meets the limit: 40 round trips, 24 000 ms.
  it.each<[string, Scenario, number[], number]>([
    ['1 sequential worker, no latency', { workers: 1, latency: fixed(0) }, [15, 15, 10], 4_000],
    ['1 sequential worker, 50 ms latency', { workers: 1, latency: fixed(50) }, [15, 15, 10], 5_100],
    [
      '1 sequential worker, 300 ms latency',
      { workers: 1, latency: fixed(300) },
      [3, 4, 3, 3, 4, 3, 3, 4, 3, 3, 4, 3],
      24_000,
    ],
    [
      '1 sequential worker, varying latency',
      { workers: 1, latency: scrambled(300) },
      [7, 7, 6, 7, 6, 7],
      12_160,
    ],
    ['4 concurrent workers, no latency', { workers: 4, latency: fixed(0) }, [15, 15, 10], 4_025],
    [
      '4 concurrent workers, 50 ms latency',
      { workers: 4, latency: fixed(50) },
      [15, 15, 10],
      4_600,
    ],
    [
      '8 concurrent workers, 300 ms latency',
      { workers: 8, latency: fixed(300) },
      [15, 9, 10, 6],
      7_600,
    ],
    [
      '8 concurrent workers, primed, 50 ms latency',
      { workers: 8, latency: fixed(50), primed: true },
      [15, 15, 10],
      4_500,
    ],
    [
      '40 concurrent workers, primed, no latency',
      { workers: 40, latency: fixed(0), primed: true },
      [15, 15, 10],
      4_025,
    ],
    [
      '16 concurrent workers, primed, 50 ms latency',
      { workers: 16, latency: fixed(50), primed: true },
      [15, 15, 10],
      4_400,
    ],
    [
      '8 concurrent workers, latency varying up to 300 ms',
      { workers: 8, latency: scrambled(300) },
      [15, 15, 10],
      5_263,
    ],
    [
      '12 concurrent workers, primed, latency varying up to 500 ms',
      { workers: 12, latency: scrambled(500), primed: true },
      [15, 15, 10],
      5_698,
    ],
  ])('paces %s', async (_case, scenario, perWindow, endedAt) => {
    const result = await simulate(scenario);
    expect(result.completed).toBe(REQUESTS);
    expect(result.rejected).toBe(0);
    expect(result.perWindow).toEqual(perWindow);
    expect(result.endedAt).toBe(endedAt);
  });
});
