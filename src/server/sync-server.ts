// Syncs one MCP server: the sync call with its retries, turned into that server's result.
import type { CloudflareApi } from '../api/cloudflare-api.js';
import type { ErrorDetails, SyncStatus } from '../api/envelope.js';
import { callWithRetries, type RetryContext } from '../retry/retry-loop.js';

export interface ServerResult {
  serverId: string;
  status: SyncStatus;
  /** Why the server failed; undefined when it did not. */
  error?: string;
  errorDetails?: ErrorDetails;
  /** Whether the last error was worth retrying; undefined without an error. */
  retryable?: boolean;
  /** Sync requests sent for this server. */
  attempts: number;
  durationMs: number;
  tools?: string[];
  prompts?: string[];
  /** `cf-ray` of the last response. */
  rayId?: string;
}

export async function syncServer(
  serverId: string,
  api: CloudflareApi,
  context: RetryContext,
): Promise<ServerResult> {
  const started = context.clock.now();
  const call = await callWithRetries(`sync ${serverId}`, api.sync(serverId), context);
  const result: ServerResult = {
    serverId,
    status: 'error',
    attempts: call.attempts,
    durationMs: Math.round(context.clock.now() - started),
  };
  if (call.outcome?.kind === 'response' && call.outcome.rayId !== undefined) {
    result.rayId = call.outcome.rayId;
  }
  if (call.ok) {
    result.status = call.verdict.sync.status ?? 'ready';
    return result;
  }
  result.error = call.error;
  result.retryable = call.verdict.retryable;
  const details = call.verdict.sync.errorDetails;
  if (details !== undefined) result.errorDetails = details;
  return result;
}
