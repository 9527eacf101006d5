// Turns server-id and portal-id into the servers to sync, with their Before readings: the reads
// that find the servers (the whole list for `*`, the portal read) are those readings too.
import type { CloudflareApi } from '../api/cloudflare-api.js';
import type { ServerState } from '../api/server-object.js';
import type { Settings } from '../inputs/inputs.js';
import { readPortal } from '../readings/portal.js';
import { readServers, type ReadSource, type Readings } from '../readings/readings.js';
import { listServers } from '../readings/server-list.js';
import type { RetryContext } from '../retry/retry-loop.js';

export interface Selection {
  /** Every selected server, explicit ids first, then the portal's, each once. */
  ids: string[];
  source: ReadSource;
  before: Readings;
}

/** Throws ListError when the list or the portal cannot be read whole. */
export async function selectServers(
  settings: Pick<Settings, 'servers' | 'portalId' | 'accountId'>,
  api: CloudflareApi,
  context: RetryContext,
): Promise<Selection> {
  const { servers, portalId, accountId } = settings;
  const portalServers =
    portalId === undefined ? [] : await readPortal(portalId, accountId, api, context);
  const source: ReadSource = {
    accountId,
    ...(portalId === undefined ? {} : { portalId }),
    portalServerIds: new Set(portalServers.map((server) => server.id)),
  };
  let ids: string[];
  let before: Readings;
  if (servers.kind === 'all') {
    const list = await listServers(api, context);
    ids = list.ids;
    context.log(`found ${ids.length} MCP server(s) in the account`);
    before = fromStates(list.servers, list.warnings);
    before.listedIds = [...ids];
    if (ids.length === 0) {
      before.warnings.push(
        `account ${accountId} has no MCP servers: nothing to sync; check that account-id is the account that holds them`,
      );
    }
  } else {
    ids = [...servers.ids];
    const others = ids.filter((id) => !source.portalServerIds.has(id));
    before = await readServers(others, { ...source, portalServerIds: new Set() }, api, context);
  }
  // A portal's reading carries its own overrides, so it stands for its servers even where the list
  // read them too.
  for (const server of portalServers) before.states.set(server.id, server);
  const selected = new Set(ids);
  for (const server of portalServers) {
    if (!selected.has(server.id)) ids.push(server.id);
    selected.add(server.id);
    before.unread.delete(server.id);
  }
  if (portalId !== undefined && portalServers.length === 0) {
    before.warnings.push(`MCP portal ${portalId} has no servers`);
  }
  return { ids, source, before };
}

function fromStates(states: readonly ServerState[], warnings: string[]): Readings {
  return {
    states: new Map(states.map((state) => [state.id, state])),
    unread: new Map(),
    notFound: new Set(),
    warnings: [...warnings],
  };
}
