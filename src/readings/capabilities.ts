// Reads the tools and prompts of servers after their sync. One server costs one read; several
// are read from the list pages, a hundred to a request, stopping once all are found. A failed
// read is a warning: the sync itself succeeded.
import type { CloudflareApi } from '../api/cloudflare-api.js';
import { parseServer, type ServerSummary } from '../api/envelope.js';
import { callWithRetries, type RetryContext } from '../retry/retry-loop.js';
import { ListError, listServers } from './server-list.js';

export interface Capabilities {
  servers: Map<string, ServerSummary>;
  warnings: string[];
}

export async function readCapabilities(
  serverIds: readonly string[],
  api: CloudflareApi,
  context: RetryContext,
): Promise<Capabilities> {
  if (serverIds.length === 0) return { servers: new Map(), warnings: [] };
  const [only] = serverIds;
  if (serverIds.length === 1 && only !== undefined) return readOne(only, api, context);
  try {
    const wanted = new Set(serverIds);
    const list = await listServers(api, context, (found) =>
      [...wanted].every((id) => found.has(id)),
    );
    const servers = new Map(list.servers.filter((s) => wanted.has(s.id)).map((s) => [s.id, s]));
    const missing = serverIds.filter((id) => !servers.has(id));
    const warnings = [...list.warnings];
    if (missing.length > 0) {
      warnings.push(
        `tools and prompts unknown for ${missing.length} server(s) missing from the server list`,
      );
    }
    return { servers, warnings };
  } catch (error) {
    if (!(error instanceof ListError)) throw error;
    return { servers: new Map(), warnings: [`tools and prompts not read: ${error.message}`] };
  }
}

async function readOne(
  serverId: string,
  api: CloudflareApi,
  context: RetryContext,
): Promise<Capabilities> {
  const call = await callWithRetries(`read ${serverId}`, api.read(serverId), context);
  const server = call.ok ? parseServer(call.verdict.envelope.result) : undefined;
  if (server === undefined || server.id !== serverId) {
    const why = call.ok ? 'the response holds no such server' : call.error;
    return { servers: new Map(), warnings: [`tools and prompts of ${serverId} not read: ${why}`] };
  }
  return { servers: new Map([[serverId, server]]), warnings: [] };
}
