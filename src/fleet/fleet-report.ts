// What a whole run produced, as the report layer receives it.
import type { ServerResult } from '../server/server-result.js';

export interface FleetReport {
  /** One per selected server, in the order they were selected. */
  results: ServerResult[];
  /** Run-wide warnings (a cut list, a fleet too large for timeout-seconds …). */
  warnings: string[];
  dryRun: boolean;
  /** Why the run stopped early: cancelled, or a credential the API refused. */
  stopped?: { kind: 'cancelled' | 'credentials'; message: string };
  onBreakingChange: 'warn' | 'fail' | 'ignore';
}
