// Reads the account's MCP servers with the paginated list endpoint: to expand `server-id: *`, and
// to read many servers at a hundred to a request. Cloudflare's list pages carry no totals, so the
// list ends at a page shorter than asked for. The endpoint is trusted for nothing: the read is
// bounded, and ids that could not be real are dropped.
import { LIST_PAGE_SIZE, type CloudflareApi } from '../api/cloudflare-api.js';
import { parseServerState, serverIdOf, type ServerState } from '../api/server-object.js';
import { idProblem } from '../inputs/inputs.js';
import { callWithRetries, type RetryContext } from '../retry/retry-loop.js';

/**
 * 100,000 servers at full pages: far past any real account, and at Cloudflare's 1,200 requests
 * per 5 minutes, still a bound on an API that never stops handing out pages.
 */
export const MAX_LIST_PAGES = 1000;

/** The list (or a portal) could not be read whole. */
export class ListError extends Error {
  override name = 'ListError';
}

export interface ServerList {
  /** The servers read: every one listed, or only those wanted. */
  servers: ServerState[];
  /** The id of every server listed, wanted or not, in the list's order. */
  ids: string[];
  warnings: string[];
}

/**
 * Reads pages until the last one. Given the servers `wanted`, only those are read whole, so a few
 * servers of a large account cost no more than finding them, and the list stops once all of them
 * are found; with none wanted, it reads every id to the end. Throws ListError when a page cannot
 * be read, and when the bound cuts a list that goes on.
 */
export async function listServers(
  api: CloudflareApi,
  context: RetryContext,
  wanted?: ReadonlySet<string>,
): Promise<ServerList> {
  const seen = new Set<string>();
  const servers: ServerState[] = [];
  let dropped = 0;
  for (let page = 1; ; page += 1) {
    if (page > MAX_LIST_PAGES) {
      throw new ListError(
        `the MCP server list was cut: it had not ended after ${MAX_LIST_PAGES} pages (${seen.size} servers read), so some servers would be left out`,
      );
    }
    const call = await callWithRetries(
      `list servers page ${page}`,
      api.listPage(page),
      context,
      'read',
    );
    if (!call.ok) throw new ListError(`could not list MCP servers (page ${page}): ${call.error}`);
    const { result } = call.verdict.envelope;
    if (!Array.isArray(result)) {
      throw new ListError(`could not list MCP servers (page ${page}): the result is not a list`);
    }
    const items: unknown[] = result;
    let fresh = 0;
    for (const item of items) {
      const id = serverIdOf(item);
      if (id === undefined || idProblem(id) !== undefined) {
        dropped += 1;
      } else if (!seen.has(id)) {
        const server = wanted === undefined || wanted.has(id) ? parseServerState(item) : undefined;
        seen.add(id);
        if (server !== undefined) servers.push(server);
        fresh += 1;
      }
    }
    const allFound = wanted !== undefined && wanted.size > 0 && servers.length === wanted.size;
    if (allFound || items.length < LIST_PAGE_SIZE) break;
    // A full page of nothing new: the endpoint repeats itself (a proxy that drops `page`, say), so
    // where the list ends cannot be known, and passing would leave servers out unseen.
    if (fresh === 0) {
      throw new ListError(
        `the MCP server list was cut: page ${page} repeated servers already read (${seen.size} servers read), so where the list ends is unknown`,
      );
    }
  }
  const warnings =
    dropped === 0
      ? []
      : [
          `ignored ${dropped} entr${dropped === 1 ? 'y' : 'ies'} of the server list without a valid id`,
        ];
  return { servers, ids: [...seen], warnings };
}
