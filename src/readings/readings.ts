// Reads the state of a set of servers (Before, the watch, After) at the fewest requests: a
// portal's servers from one portal read, one other server from its own read, several others from
// the list pages, a hundred to a request, stopping once all are found.
import type { CloudflareApi } from '../api/cloudflare-api.js';
import { parseServerState, type ServerState } from '../api/server-object.js';
import { callWithRetries, type RetryContext } from '../retry/retry-loop.js';
import { readPortal } from './portal.js';
import { ListError, listServers } from './server-list.js';

/** Where servers are read from. */
export interface ReadSource {
  accountId: string;
  /** The portal that selected some servers: they are read through it, with its overrides. */
  portalId?: string;
  portalServerIds: ReadonlySet<string>;
}

export interface Readings {
  states: Map<string, ServerState>;
  /** Why a server has no reading. */
  unread: Map<string, string>;
  /** The servers the API says are not in the account. */
  notFound: Set<string>;
  /** Every id of the account, when this reading went through the whole list. */
  listedIds?: string[];
  warnings: string[];
}

export async function readServers(
  ids: readonly string[],
  source: ReadSource,
  api: CloudflareApi,
  context: RetryContext,
): Promise<Readings> {
  const readings: Readings = {
    states: new Map(),
    unread: new Map(),
    notFound: new Set(),
    warnings: [],
  };
  const throughPortal = ids.filter((id) => source.portalServerIds.has(id));
  const others = ids.filter((id) => !source.portalServerIds.has(id));
  const { portalId } = source;
  if (throughPortal.length > 0 && portalId !== undefined) {
    await readGroup(throughPortal, readings, async () => {
      const servers = await readPortal(portalId, source.accountId, api, context);
      return {
        servers,
        why: (id: string) => `${id} is not among the servers of portal ${portalId}`,
      };
    });
  }
  const [only] = others;
  if (others.length === 1 && only !== undefined) {
    const call = await callWithRetries(`read ${only}`, api.read(only), context, 'read');
    const state = call.ok ? parseServerState(call.verdict.envelope.result) : undefined;
    if (state !== undefined && state.id === only) readings.states.set(only, state);
    else if (call.ok) readings.unread.set(only, 'the response holds no such server');
    else if (call.verdict.notFound === true) {
      readings.unread.set(only, notInAccount(only, source));
      readings.notFound.add(only);
    } else readings.unread.set(only, call.error);
  } else if (others.length > 1) {
    await readGroup(others, readings, async () => {
      const list = await listServers(api, context, new Set(others));
      readings.warnings.push(...list.warnings);
      const found = new Set(list.servers.map((server) => server.id));
      const missing = others.filter((id) => !found.has(id));
      // Read to its end without them: the list itself says they are not in the account.
      if (missing.length > 0) readings.listedIds = list.ids;
      for (const id of missing) readings.notFound.add(id);
      return { servers: list.servers, why: (id: string) => notInAccount(id, source) };
    });
  }
  return readings;
}

/** Files what one read of many servers found, or why it could not. */
async function readGroup(
  ids: readonly string[],
  readings: Readings,
  read: () => Promise<{ servers: ServerState[]; why: (id: string) => string }>,
): Promise<void> {
  try {
    const { servers, why } = await read();
    const byId = new Map(servers.map((server) => [server.id, server]));
    for (const id of ids) {
      const state = byId.get(id);
      if (state !== undefined) readings.states.set(id, state);
      else readings.unread.set(id, why(id));
    }
  } catch (error) {
    if (!(error instanceof ListError)) throw error;
    for (const id of ids) readings.unread.set(id, error.message);
  }
}

function notInAccount(id: string, source: ReadSource): string {
  return `no MCP server ${id} in account ${source.accountId}`;
}
