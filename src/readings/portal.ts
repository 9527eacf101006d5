// Reads one MCP portal: its servers, with their tools and prompts and the portal's own overrides,
// in a single request. It selects servers for `portal-id` and serves as their Before and After.
import type { CloudflareApi } from '../api/cloudflare-api.js';
import { parsePortal, type ServerState } from '../api/server-object.js';
import { idProblem } from '../inputs/inputs.js';
import { callWithRetries, type RetryContext } from '../retry/retry-loop.js';
import { ListError } from './server-list.js';

export async function readPortal(
  portalId: string,
  accountId: string,
  api: CloudflareApi,
  context: RetryContext,
): Promise<ServerState[]> {
  const call = await callWithRetries(
    `read portal ${portalId}`,
    api.readPortal(portalId),
    context,
    'read',
  );
  if (!call.ok) {
    throw new ListError(
      call.verdict.notFound === true
        ? `no MCP portal ${portalId} in account ${accountId}: check portal-id against the portal's id in the Cloudflare dashboard (Zero Trust → Access → AI controls → MCP portals)`
        : `could not read MCP portal ${portalId}: ${call.error}`,
    );
  }
  const portal = parsePortal(call.verdict.envelope.result);
  if (portal === undefined || portal.id !== portalId) {
    throw new ListError(`could not read MCP portal ${portalId}: the response holds no such portal`);
  }
  return portal.servers.filter((server) => idProblem(server.id) === undefined);
}
