// Runs the whole fleet through the sync of one server: Before (from the reads that selected the
// servers), the syncs, `concurrency` at a time, then After and the watch, then each server's
// verdict. One server's failure never stops the others; a refused credential or a cancel stops
// them all.
import type { CloudflareApi } from '../api/cloudflare-api.js';
import type { Settings } from '../inputs/inputs.js';
import { listServers, ListError } from '../readings/server-list.js';
import type { RetryContext } from '../retry/retry-loop.js';
import type { ServerResult } from '../server/server-result.js';
import { serverVerdict } from '../server/server-verdict.js';
import { syncServer } from '../server/sync-server.js';
import type { FleetReport } from './fleet-report.js';
import { logChanges } from './log-changes.js';
import { rateLimitWarning, requestsNeeded } from './rate-plan.js';
import { selectServers } from './selection.js';
import { readAfter, type AfterReadings } from './watch.js';

export interface FleetContext extends RetryContext {
  /** Annotates a warning at once: what the user must know even if the run is cut short. */
  warn: (message: string) => void;
}

export async function syncFleet(
  settings: Settings,
  api: CloudflareApi,
  context: FleetContext,
): Promise<FleetReport> {
  const { ids, source, before } = await selectServers(settings, api, context);
  const warnings = [...before.warnings];
  const plan = rateLimitWarning(
    requestsNeeded(ids.length, settings.dryRun),
    Math.max(0, context.deadlineMs - context.clock.now()),
    api.rateLimitPolicy,
  );
  const announced = plan === undefined ? [] : [plan];
  for (const warning of announced) context.warn(warning);

  const answeredAt = new Map<string, number>();
  const syncs = settings.dryRun
    ? []
    : await mapConcurrently(ids, settings.concurrency, async (id) => {
        const answer = await syncServer(id, before.states.get(id), api, context);
        if (answer.error === undefined) answeredAt.set(id, context.clock.now());
        return answer;
      });
  const answers = new Map(syncs.map((answer, index) => [ids[index] ?? '', answer]));
  // A sync answer has a status only when the sync succeeded: a failed one is never watched.
  const waiting = new Set(
    settings.waitForReady ? ids.filter((id) => answers.get(id)?.status === 'waiting') : [],
  );
  const after: AfterReadings = settings.dryRun
    ? { states: new Map(), unread: new Map(), waitedMs: new Map(), warnings: [] }
    : await readAfter(answeredAt, waiting, source, api, context);
  warnings.push(...after.warnings);
  const notFound = new Set([
    ...before.notFound,
    ...ids.filter((id) => answers.get(id)?.notFound === true),
  ]);
  const knownIds = await idsForDidYouMean(notFound, before.listedIds, api, context);

  const stop = context.runStop.reason;
  const results: ServerResult[] = ids.map((id) =>
    serverVerdict(
      {
        serverId: id,
        before: before.states.get(id),
        beforeProblem: before.unread.get(id),
        beforeNotFound: before.notFound.has(id),
        sync: answers.get(id),
        after: after.states.get(id),
        afterProblem: after.unread.get(id),
        waitedMs: after.waitedMs.get(id),
        knownIds,
      },
      { ...settings, stopped: stop?.kind },
    ),
  );
  for (const result of results) logChanges(result, context.log);
  const report: FleetReport = {
    results,
    warnings,
    announced,
    dryRun: settings.dryRun,
    onBreakingChange: settings.onBreakingChange,
  };
  if (stop?.kind === 'credentials') {
    const hint = credentialsHint(settings);
    // Servers the stop caught; one that failed for its own reason keeps its own hint.
    for (const result of results) {
      if (result.error !== undefined && result.hint === undefined) result.hint = hint;
    }
    report.stopped = { kind: stop.kind, message: `${stop.message}: ${hint}` };
  } else if (stop !== undefined) {
    report.stopped = stop;
  }
  return report;
}

/** What to do when the API refuses the credentials (401, 403). */
export function credentialsHint(
  settings: Pick<Settings, 'credentials' | 'accountId' | 'dryRun'>,
): string {
  const permission = settings.dryRun ? 'MCP Portals Read (or Write)' : 'MCP Portals Write';
  return settings.credentials.kind === 'token'
    ? `the API token was refused: it needs the account permission ${permission} on account ${settings.accountId} (Cloudflare dashboard → My Profile → API Tokens → edit the token → Permissions), and it must be active`
    : `the email and Global API Key were refused: check api-email and api-key (Cloudflare dashboard → My Profile → API Tokens → Global API Key), and that the user is a member of account ${settings.accountId}`;
}

/**
 * The account's ids when a sync found no such server: from the list already read, or one list
 * read for the whole run, so a fleet of typos costs one request, not one each.
 */
async function idsForDidYouMean(
  notFound: ReadonlySet<string>,
  listed: string[] | undefined,
  api: CloudflareApi,
  context: RetryContext,
): Promise<string[] | undefined> {
  if (listed !== undefined) return listed;
  if (notFound.size === 0) return undefined;
  try {
    return (await listServers(api, context, new Set())).ids;
  } catch (error) {
    if (error instanceof ListError) return undefined;
    throw error;
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
