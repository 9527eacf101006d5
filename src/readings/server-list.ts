// Reads the account's MCP servers with the paginated list endpoint: to expand `server-id: *`,
// and to read many servers' tools and prompts at one request per page. The endpoint is trusted
// for nothing: its paging is bounded, and ids that could not be real are dropped.
import { LIST_PAGE_SIZE, type CloudflareApi } from '../api/cloudflare-api.js';
import { parseServer, type ServerSummary } from '../api/envelope.js';
import { serverIdProblem } from '../inputs/inputs.js';
import { callWithRetries, type RetryContext } from '../retry/retry-loop.js';

/** 10,000 servers at full pages: far past any account, short of looping forever. */
export const MAX_LIST_PAGES = 100;

export class ListError extends Error {
  override name = 'ListError';
}

export interface ServerList {
  servers: ServerSummary[];
  warnings: string[];
}

/**
 * Reads pages until the last one, or until `enough` says the servers found so far suffice.
 * Throws ListError when a page cannot be read.
 */
export async function listServers(
  api: CloudflareApi,
  context: RetryContext,
  enough: (found: ReadonlyMap<string, ServerSummary>) => boolean = () => false,
): Promise<ServerList> {
  const found = new Map<string, ServerSummary>();
  let dropped = 0;
  const warnings: string[] = [];
  for (let page = 1; ; page += 1) {
    if (page > MAX_LIST_PAGES) {
      warnings.push(`stopped listing MCP servers after ${MAX_LIST_PAGES} pages`);
      break;
    }
    const call = await callWithRetries(`list servers page ${page}`, api.listPage(page), context);
    if (!call.ok) throw new ListError(`could not list MCP servers (page ${page}): ${call.error}`);
    const { envelope } = call.verdict;
    if (!Array.isArray(envelope.result)) {
      throw new ListError(`could not list MCP servers (page ${page}): the result is not a list`);
    }
    const items: unknown[] = envelope.result;
    let fresh = 0;
    for (const item of items) {
      const server = parseServer(item);
      if (server === undefined || serverIdProblem(server.id) !== undefined) {
        dropped += 1;
      } else if (!found.has(server.id)) {
        found.set(server.id, server);
        fresh += 1;
      }
    }
    const info = envelope.resultInfo;
    const lastPage =
      items.length === 0 ||
      // A page of nothing new means the endpoint is repeating itself.
      fresh === 0 ||
      (info?.totalCount !== undefined && found.size + dropped >= info.totalCount) ||
      (info?.totalPages !== undefined && page >= info.totalPages) ||
      // Fewer than the page size the API says it served is the last page.
      (info?.perPage !== undefined && items.length < Math.min(info.perPage, LIST_PAGE_SIZE));
    if (lastPage || enough(found)) break;
  }
  if (dropped > 0) {
    warnings.push(
      `ignored ${dropped} entr${dropped === 1 ? 'y' : 'ies'} of the server list without a valid id`,
    );
  }
  return { servers: [...found.values()], warnings };
}
