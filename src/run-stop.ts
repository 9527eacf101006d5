// Why a run stops before its work is done, shared by every worker: a cancelled job (the runner's
// SIGINT or SIGTERM), or credentials the API refused (every further request would fail the same
// way and spend the account's rate limit). Once stopped, no request is sent; a cancel also aborts
// the requests in flight.
import { setMaxListeners } from 'node:events';

export type StopKind = 'cancelled' | 'credentials';

export class RunStop {
  private readonly sending = new AbortController();
  private readonly inFlight = new AbortController();
  private stopped: { kind: StopKind; message: string } | undefined;

  constructor() {
    // Every request in flight and every wait listens, as many as `concurrency` allows: Node's
    // warning past ten would only land on the user's log.
    setMaxListeners(0, this.sending.signal, this.inFlight.signal);
  }

  /** The first stop wins: later ones (SIGTERM after SIGINT, a second 403) say nothing new. */
  stop(kind: StopKind, message: string): void {
    if (this.stopped !== undefined) return;
    this.stopped = { kind, message };
    this.sending.abort();
    if (kind === 'cancelled') this.inFlight.abort();
  }

  get reason(): { kind: StopKind; message: string } | undefined {
    return this.stopped;
  }

  /** Aborted once nothing more may be sent: ends waits early. */
  get signal(): AbortSignal {
    return this.sending.signal;
  }

  /** Aborted when the requests in flight must end too. */
  get abortSignal(): AbortSignal {
    return this.inFlight.signal;
  }
}
