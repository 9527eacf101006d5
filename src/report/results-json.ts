// The `results` output and the results-file: one plain object per server, in the contract's
// snake_case, with every piece of network text folded to one line so that a later step printing
// it stays safe.
import type { ErrorDetails, SyncStatus } from '../api/envelope.js';
import type { AuthenticationStatus } from '../api/server-object.js';
import type { Changes } from '../server/capability-diff.js';
import type { ServerResult } from '../server/server-result.js';
import { oneLine } from '../untrusted-text.js';
import { RESULTS_LIMIT, joinWithin, utf8Bytes } from './limits.js';

/** Longest capability name shown; real names are far shorter, hostile ones need not be. */
export const MAX_NAME_LENGTH = 200;
/** Longest server id shown; Cloudflare's are at most 32 characters. */
export const MAX_ID_LENGTH = 64;

export interface ResultEntry {
  server_id: string;
  status: SyncStatus;
  authentication_status: AuthenticationStatus | null;
  error: string | null;
  error_details: ErrorDetails | null;
  attempts: number;
  duration_ms: number;
  tools: string[] | null;
  prompts: string[] | null;
  changes: Changes | null;
  ray_id: string | null;
}

export const shownId = (id: string): string => oneLine(id, MAX_ID_LENGTH);

const shownNames = (names: readonly string[]): string[] =>
  names.map((name) => oneLine(name, MAX_NAME_LENGTH));

export function shownDetails(details: ErrorDetails | undefined): ErrorDetails | null {
  if (details === undefined) return null;
  return details.cause === undefined ? details : { ...details, cause: oneLine(details.cause) };
}

function shownChanges(changes: Changes): Changes {
  const kind = ({ added, removed, changed }: Changes['tools']): Changes['tools'] => ({
    added: shownNames(added),
    removed: shownNames(removed),
    changed: shownNames(changed),
  });
  return {
    tools: kind(changes.tools),
    prompts: kind(changes.prompts),
    breaking: changes.breaking.map((what) => oneLine(what)),
  };
}

export function resultEntry(result: ServerResult): ResultEntry {
  return {
    server_id: shownId(result.serverId),
    status: result.status,
    authentication_status: result.authenticationStatus ?? null,
    error: result.error === undefined ? null : oneLine(result.error),
    error_details: shownDetails(result.errorDetails),
    attempts: result.attempts,
    duration_ms: result.durationMs,
    tools: result.tools === undefined ? null : shownNames(result.tools),
    prompts: result.prompts === undefined ? null : shownNames(result.prompts),
    changes: result.changes === null ? null : shownChanges(result.changes),
    ray_id: result.rayId === undefined ? null : oneLine(result.rayId, MAX_ID_LENGTH),
  };
}

/** Whether a sync added, removed or changed any capability. */
export function hasChanges(changes: Changes | null): boolean {
  return (
    changes !== null &&
    [changes.tools, changes.prompts].some(
      (kind) => kind.added.length + kind.removed.length + kind.changed.length > 0,
    )
  );
}

/** What a cut `results` keeps first: failed, then changed, then not ready, then the rest. */
function keepRank(result: ServerResult): number {
  if (result.error !== undefined) return 0;
  if (hasChanges(result.changes)) return 1;
  return result.status === 'ready' ? 3 : 2;
}

export interface BoundedResults {
  /** The JSON array, under RESULTS_LIMIT bytes. */
  json: string;
  /** How many servers it leaves out (the results-file has them). */
  left: number;
}

/** The JSON strings of every result: the results-file's array, and what `results` is cut from. */
export function entryStrings(results: readonly ServerResult[]): string[] {
  return results.map((result) => JSON.stringify(resultEntry(result)));
}

export const jsonArray = (entries: readonly string[]): string => `[${entries.join(',')}]`;

/**
 * The `results` output: every server in selection order when the array fits; otherwise the
 * servers that matter most, whole, by keepRank and then selection order, as many as fit.
 */
export function boundedResults(
  results: readonly ServerResult[],
  entries: readonly string[] = entryStrings(results),
): BoundedResults {
  const all = jsonArray(entries);
  if (utf8Bytes(all) < RESULTS_LIMIT) return { json: all, left: 0 };
  // The sort is stable: servers of one rank stay in selection order.
  const order = results
    .map((result, index) => ({ rank: keepRank(result), index }))
    .sort((a, b) => a.rank - b.rank);
  const ranked = order.map(({ index }) => entries[index] ?? '');
  const brackets = 2;
  const kept = joinWithin(ranked, RESULTS_LIMIT - brackets, { separator: ',', more: () => '' });
  return { json: `[${kept.text}]`, left: entries.length - kept.kept };
}
