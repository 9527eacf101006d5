// Paces every request of a run under Cloudflare's rate limit (1,200 requests per 5 minutes per
// token; a client past it is blocked for the rest of the window). Workers ask the gate before
// each request and hand each response back, so the quota is shared and counted with the
// requests still in flight, and one 429 pauses everyone, not just the worker that received it.
//
// Each `Ratelimit: r=…;t=…` reading was taken when the server handled one request. Every request
// the server may have handled after it is one that was sent after it, or was still in flight
// when it was sent; `r` less those is a safe count of what is left, whatever order the answers
// come back in. Once the window is over, a single probe asks for a fresh reading before the
// others go, so a new window is never overrun by a crowd of waiting workers.
import type { Clock } from '../clock.js';
import {
  parseRateLimit,
  parseRateLimitPolicy,
  retryAfterMs,
  type Headers,
  type RateLimitPolicy,
} from './headers.js';

/** `t` is whole seconds rounded up, so readings of one window end up to a second apart. */
const RESET_PRECISION_MS = 1000;

/** How long everyone pauses after a 429 that says neither how long nor when the window resets. */
const DEFAULT_429_PAUSE_MS = 1000;

/** How often workers look again while a probe is out. */
const PROBE_POLL_MS = 25;

/** One request let through by the gate, to be settled with its response. */
export type Ticket = number;

export class RateLimitGate {
  /** Requests that may surely still be sent in the server's window; undefined until it says. */
  private budget: number | undefined;
  /** A time by which the window of the last readings has surely ended. */
  private windowEnd = 0;
  /** The first request known to have been sent inside that window. */
  private windowFirstTicket = 0;
  private probe: Ticket | undefined;
  private pausedUntil = 0;
  private issued = 0;
  /** Each request in flight, with how many others were in flight when it was sent. */
  private readonly inFlight = new Map<Ticket, number>();
  private lastPolicy: RateLimitPolicy | undefined;

  constructor(private readonly clock: Clock) {}

  /**
   * Waits until one more request may be sent and counts it in flight. Resolves to undefined,
   * counting nothing, when that moment would not come before `deadlineMs`.
   */
  async acquire(deadlineMs: number, signal?: AbortSignal): Promise<Ticket | undefined> {
    for (;;) {
      const now = this.clock.now();
      const openAt = this.openAt(now);
      if (openAt === 'now' || openAt === 'probe') return this.issue(openAt === 'probe');
      const until = openAt === 'after-probe' ? now + PROBE_POLL_MS : openAt;
      if (until >= deadlineMs) return undefined;
      await this.clock.sleep(until - now, signal);
      if (signal?.aborted === true) return undefined;
    }
  }

  /** The server's quota as its last `Ratelimit-Policy` header gave it. */
  get policy(): RateLimitPolicy | undefined {
    return this.lastPolicy;
  }

  private openAt(now: number): 'now' | 'probe' | 'after-probe' | number {
    if (this.pausedUntil > now) return this.pausedUntil;
    if (this.budget === undefined || this.budget > 0) return 'now';
    if (now < this.windowEnd) return this.windowEnd;
    return this.probe === undefined ? 'probe' : 'after-probe';
  }

  private issue(probe: boolean): Ticket {
    this.issued += 1;
    const ticket = this.issued;
    this.inFlight.set(ticket, this.inFlight.size);
    if (this.budget !== undefined) this.budget -= 1;
    if (probe) {
      this.probe = ticket;
      this.windowFirstTicket = ticket;
    }
    return ticket;
  }

  /** Records the response to a request the gate let through (no headers when none came). */
  settle(ticket: Ticket, status: number | undefined, headers: Headers): void {
    const overlapping = this.inFlight.get(ticket) ?? 0;
    this.inFlight.delete(ticket);
    const wasProbe = this.probe === ticket;
    if (wasProbe) this.probe = undefined;
    const now = this.clock.now();
    this.lastPolicy = parseRateLimitPolicy(headers) ?? this.lastPolicy;
    const limit = parseRateLimit(headers);
    const safe = limit === undefined ? 0 : limit.remaining - (this.issued - ticket) - overlapping;
    if (limit !== undefined) {
      this.observe(ticket, limit.remaining, safe, now + limit.resetSeconds * 1000, now);
    } else if (wasProbe && status !== undefined && status !== 429) {
      // The server answered without a reading: it tells us nothing to pace by.
      this.budget = undefined;
    }
    if (status === 429) {
      const asked = retryAfterMs(headers, now);
      const reset = limit?.remaining === 0 ? limit.resetSeconds * 1000 : undefined;
      this.pausedUntil = Math.max(this.pausedUntil, now + (asked ?? reset ?? DEFAULT_429_PAUSE_MS));
      // Our count was too high (another client spends the same quota, say): trust this answer's
      // reading alone, or, without one, take the window as spent.
      this.budget = Math.min(this.budget ?? safe, safe);
    }
  }

  private observe(
    ticket: Ticket,
    remaining: number,
    safe: number,
    resetAt: number,
    now: number,
  ): void {
    const current = ticket >= this.windowFirstTicket;
    if (resetAt > this.windowEnd + RESET_PRECISION_MS || (current && now >= this.windowEnd)) {
      // A window after the one we knew.
      this.windowEnd = resetAt;
      this.windowFirstTicket = ticket;
    } else if (current) {
      // Each reading bounds the end of its window from above: the smallest is the tightest.
      this.windowEnd = Math.min(this.windowEnd, resetAt);
    }
    // Every safe count is a floor, so the highest is the best; a reading of the current window
    // is also a ceiling, which matters when another client spends the same quota.
    let budget = Math.max(this.budget ?? safe, safe);
    if (ticket >= this.windowFirstTicket) budget = Math.min(budget, remaining);
    this.budget = budget;
  }
}
