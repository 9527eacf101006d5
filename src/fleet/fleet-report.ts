// What a whole run produced, as the report layer receives it.
import type { ServerResult } from '../server/server-result.js';

export interface FleetReport {
  /** One per selected server, in the order they were selected. */
  results: ServerResult[];
  /** Run-wide warnings (entries of the list without a valid id, an empty account …). */
  warnings: string[];
  /** Run-wide warnings already annotated when they arose (a fleet too large for timeout-seconds). */
  announced: string[];
  dryRun: boolean;
  /** Why the run stopped early: cancelled, or a credential the API refused. */
  stopped?: { kind: 'cancelled' | 'credentials'; message: string };
  onBreakingChange: 'warn' | 'fail' | 'ignore';
}
