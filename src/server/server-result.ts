// What the action learned of one server: the sync's answer, the readings around it and the
// verdicts drawn from them. The fleet fills it in; the report only reads it.
import type { ErrorDetails, SyncStatus } from '../api/envelope.js';
import type { AuthenticationStatus } from '../api/server-object.js';
import type { Changes } from './capability-diff.js';

export interface ServerResult {
  serverId: string;
  status: SyncStatus;
  authenticationStatus?: AuthenticationStatus;
  /** Why the server failed; undefined when it did not. */
  error?: string;
  /** What the user can do about `error` (a permission, a dashboard login, a similar id …). */
  hint?: string;
  errorDetails?: ErrorDetails;
  /** Whether the last error was worth retrying; undefined without an error. */
  retryable?: boolean;
  /** Sync requests sent for this server. */
  attempts: number;
  durationMs: number;
  /** Names offered after the sync (upstream names, less what an override disables). */
  tools?: string[];
  prompts?: string[];
  /** Before compared with After; null when there was no Before reading to compare with. */
  changes: Changes | null;
  /** `cf-ray` of the last response. */
  rayId?: string;
  /** Things that did not fail the server but that its user should know (stale, still waiting …). */
  warnings: string[];
}
