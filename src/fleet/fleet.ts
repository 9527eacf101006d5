// Syncs every selected server, `concurrency` at a time, then reads their tools and prompts and
// checks expected-tools. One server's failure never stops the others.
import { readCapabilities } from '../readings/capabilities.js';
import type { CloudflareApi } from '../api/cloudflare-api.js';
import type { Settings } from '../inputs/inputs.js';
import type { RetryContext } from '../retry/retry-loop.js';
import { listServers } from '../readings/server-list.js';
import { syncServer, type ServerResult } from '../server/sync-server.js';

export interface FleetReport {
  results: ServerResult[];
  warnings: string[];
}

export async function syncFleet(
  settings: Settings,
  api: CloudflareApi,
  context: RetryContext,
): Promise<FleetReport> {
  const warnings: string[] = [];
  let serverIds: string[];
  if (settings.servers.kind === 'all') {
    const list = await listServers(api, context);
    warnings.push(...list.warnings);
    serverIds = list.servers.map((server) => server.id);
    context.log(`found ${serverIds.length} MCP server(s) in the account`);
    if (serverIds.length === 0) warnings.push('the account has no MCP servers: nothing to sync');
  } else {
    serverIds = settings.servers.ids;
  }

  const results = await mapConcurrently(serverIds, settings.concurrency, (id) =>
    syncServer(id, api, context),
  );

  const synced = results.filter((result) => result.error === undefined);
  const capabilities = await readCapabilities(
    synced.map((result) => result.serverId),
    api,
    context,
  );
  warnings.push(...capabilities.warnings);
  for (const result of synced) {
    const server = capabilities.servers.get(result.serverId);
    if (server?.tools !== undefined) result.tools = server.tools;
    if (server?.prompts !== undefined) result.prompts = server.prompts;
    checkExpectedTools(result, settings.expectedTools);
  }
  return { results, warnings };
}

/** Fails a synced server that lacks any tool named in expected-tools. */
function checkExpectedTools(result: ServerResult, expected: readonly string[]): void {
  if (expected.length === 0) return;
  let error: string | undefined;
  if (result.tools === undefined) {
    error = 'expected-tools could not be checked: the tools of the server were not read';
  } else {
    const present = new Set(result.tools);
    const missing = expected.filter((tool) => !present.has(tool));
    if (missing.length > 0) {
      error = `missing expected tool${missing.length === 1 ? '' : 's'}: ${missing.join(', ')}`;
    }
  }
  if (error !== undefined) {
    // The sync went through, but the server is not what the workflow needs: it ends in error.
    result.status = 'error';
    result.error = error;
    result.retryable = false;
  }
}

/** Applies `task` to every item with at most `limit` running at once; results keep input order. */
export async function mapConcurrently<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await task(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
