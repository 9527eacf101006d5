// Paces every request of a run under Cloudflare's rate limit (1,200 requests per 5 minutes per
// token; a client past it is blocked for the rest of the window). Workers ask the gate before
// each request and report each response back, so the quota is shared and counted with the
// requests still in flight, and one 429 pauses everyone, not just the worker that received it.
import type { Clock } from './clock.js';
import { parseRateLimit, parseRateLimitPolicy, retryAfterMs, type Headers } from './headers.js';

/** How far apart two `t` readings of one window can be: `t` is whole seconds, rounded up. */
const RESET_PRECISION_MS = 1000;

export class RateLimitGate {
  /** Requests we may still send in the current window; undefined until the server has told us. */
  private remaining: number | undefined;
  /** The earliest time the server's window is known to have ended by (a safe upper bound). */
  private windowEnd = 0;
  private lastReportedRemaining = Infinity;
  private quota: number | undefined;
  private pausedUntil = 0;
  private inFlight = 0;

  constructor(private readonly clock: Clock) {}

  /**
   * Waits until one more request may be sent and counts it in flight. Returns false, without
   * counting it, when that moment would come after `deadlineMs`.
   */
  async acquire(deadlineMs: number): Promise<boolean> {
    for (;;) {
      const now = this.clock.now();
      const openAt = this.openAt(now);
      if (openAt <= now) {
        this.inFlight += 1;
        if (this.remaining !== undefined) this.remaining -= 1;
        return true;
      }
      if (openAt >= deadlineMs) return false;
      await this.clock.sleep(openAt - now);
    }
  }

  /** When the next request may go. */
  private openAt(now: number): number {
    if (this.pausedUntil > now) return this.pausedUntil;
    if (this.remaining !== undefined && now >= this.windowEnd) {
      // A new window: the full quota, less what is still in flight from the old one.
      this.remaining = this.quota === undefined ? undefined : this.quota - this.inFlight;
      this.lastReportedRemaining = Infinity;
    }
    if (this.remaining !== undefined && this.remaining <= 0) return this.windowEnd;
    return now;
  }

  /** Records the response to a request that `acquire` let through (headers empty on failure). */
  settle(status: number | undefined, headers: Headers): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    const now = this.clock.now();
    const policy = parseRateLimitPolicy(headers);
    if (policy !== undefined) this.quota = policy.quota;
    const limit = parseRateLimit(headers);
    if (limit !== undefined) this.observe(now, limit.remaining, now + limit.resetSeconds * 1000);
    if (status === 429) {
      const pause = retryAfterMs(headers, now) ?? Math.max(0, this.windowEnd - now);
      this.pausedUntil = Math.max(this.pausedUntil, now + pause);
      this.remaining = 0;
      this.windowEnd = Math.max(this.windowEnd, this.pausedUntil);
    }
  }

  private observe(now: number, reported: number, resetAt: number): void {
    // Requests still in flight may not have reached the server's count yet.
    const available = reported - this.inFlight;
    const newWindow =
      this.remaining === undefined ||
      now >= this.windowEnd ||
      reported > this.lastReportedRemaining;
    if (newWindow) {
      this.windowEnd = resetAt;
      this.remaining = available;
    } else if (resetAt > this.windowEnd - RESET_PRECISION_MS) {
      // Same window: every reading bounds its end from above, so the smallest is the tightest.
      this.windowEnd = Math.min(this.windowEnd, resetAt);
      this.remaining = Math.min(this.remaining ?? available, available);
    } else {
      // A late answer from an older window says nothing about this one.
      return;
    }
    this.lastReportedRemaining = reported;
  }
}
