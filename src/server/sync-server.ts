// Sends the sync of one server with its retries, unless its Before reading already says that only
// an administrator can make it work. What came back is handed on as data; the verdict is drawn
// later, once the After reading is in.
import type { CloudflareApi } from '../api/cloudflare-api.js';
import type { ErrorDetails, SyncStatus } from '../api/envelope.js';
import { ADMIN_LOGIN_NEEDED, type ServerState } from '../api/server-object.js';
import { callWithRetries, type RetryContext } from '../retry/retry-loop.js';

export interface SyncAnswer {
  /** Sync requests sent. */
  attempts: number;
  durationMs: number;
  /** The status the sync answered with, when it succeeded. */
  status?: SyncStatus;
  error?: string;
  errorDetails?: ErrorDetails;
  retryable?: boolean;
  /** The API has no such server. */
  notFound?: boolean;
  /** The limit that ended the retries of a retryable failure. */
  gaveUp?: 'max-attempts' | 'timeout-seconds';
  rayId?: string;
}

export async function syncServer(
  serverId: string,
  before: ServerState | undefined,
  api: CloudflareApi,
  context: RetryContext,
): Promise<SyncAnswer> {
  if (before?.authenticationStatus === 'required') {
    context.log(`sync ${serverId}: not sent: ${ADMIN_LOGIN_NEEDED}`);
    return { attempts: 0, durationMs: 0, error: ADMIN_LOGIN_NEEDED, retryable: false };
  }
  const started = context.clock.now();
  const call = await callWithRetries(`sync ${serverId}`, api.sync(serverId), context);
  const answer: SyncAnswer = {
    attempts: call.attempts,
    durationMs: Math.round(context.clock.now() - started),
  };
  if (call.outcome?.kind === 'response' && call.outcome.rayId !== undefined) {
    answer.rayId = call.outcome.rayId;
  }
  if (call.ok) {
    answer.status = call.verdict.sync.status ?? 'ready';
    return answer;
  }
  answer.error = call.error;
  answer.retryable = call.verdict.retryable;
  if (call.verdict.notFound === true) answer.notFound = true;
  if (call.gaveUp !== undefined) answer.gaveUp = call.gaveUp;
  const details = call.verdict.sync.errorDetails;
  if (details !== undefined) answer.errorDetails = details;
  return answer;
}
