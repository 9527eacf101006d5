// The step's outputs and its failure message, as pure functions of what the run produced.
import type { SyncStatus } from '../api/envelope.js';
import type { FleetReport } from '../fleet/fleet-report.js';
import type { ServerResult } from '../server/server-result.js';
import { oneLine } from '../untrusted-text.js';
import { LINES_OUTPUT_LIMIT, joinWithin } from './limits.js';
import { boundedResults, entryStrings, shownDetails, shownId } from './results-json.js';

/** Every output but `results-file`, which names a file only report.ts writes. */
export type OutputName =
  'status' | 'error' | 'error-details' | 'retryable' | 'attempts' | 'breaking-changes' | 'results';

export type Outputs = Record<OutputName, string>;

/** Worst first: what `status` picks from, and the order the summary counts statuses in. */
export const STATUSES_WORST_FIRST: readonly SyncStatus[] = ['error', 'stale', 'waiting', 'ready'];

export function worstStatus(results: readonly ServerResult[]): SyncStatus {
  const present = new Set(results.map((result) => result.status));
  return STATUSES_WORST_FIRST.find((status) => present.has(status)) ?? 'ready';
}

type FailedResult = ServerResult & { error: string };

export const failedResults = (results: readonly ServerResult[]): FailedResult[] =>
  results.filter((result): result is FailedResult => result.error !== undefined);

export const plural = (count: number, word: string): string =>
  `${count} ${word}${count === 1 ? '' : 's'}`;

/** How many failed ids the failure message names before `and N more`. */
const FAILED_IDS_SHOWN = 10;

/**
 * Why the step fails, or undefined when it passes: a server with an error, or a run that stopped
 * early (then the message starts with why, even when every server had finished).
 */
export function failureMessage(report: FleetReport): string | undefined {
  const { results, stopped, dryRun } = report;
  const failed = failedResults(results);
  if (failed.length === 0 && stopped === undefined) return undefined;
  const servers = plural(results.length, 'MCP server');
  let outcome: string;
  if (failed.length === 0) {
    const every = results.length === 1 ? 'the MCP server' : `all ${servers}`;
    outcome = `${every} ${dryRun ? 'read in the dry run' : 'synced'}`;
  } else {
    const ids = failed.slice(0, FAILED_IDS_SHOWN).map((result) => shownId(result.serverId));
    const more =
      failed.length > FAILED_IDS_SHOWN ? ` and ${failed.length - FAILED_IDS_SHOWN} more` : '';
    const verb = dryRun ? 'failed the dry run' : 'failed to sync';
    outcome = `${failed.length} of ${servers} ${verb}: ${ids.join(', ')}${more}`;
  }
  if (stopped === undefined) return outcome;
  const why = stopped.kind === 'cancelled' ? 'the run was cancelled' : oneLine(stopped.message);
  return `${why}: ${outcome}`;
}

const lines = (all: readonly string[]): string => joinWithin(all, LINES_OUTPUT_LIMIT).text;

export interface FleetOutputs {
  outputs: Outputs;
  /** Servers the `results` output leaves out to stay within GitHub's limits. */
  resultsLeft: number;
}

/** `entries`: the results' JSON strings, made once for both `results` and the results-file. */
export function fleetOutputs(
  report: FleetReport,
  entries: readonly string[] = entryStrings(report.results),
): FleetOutputs {
  const { results } = report;
  const single = results.length === 1 ? results[0] : undefined;
  const error =
    single === undefined
      ? lines(
          failedResults(results).map(
            (result) => `${shownId(result.serverId)}: ${oneLine(result.error)}`,
          ),
        )
      : oneLine(single.error ?? '');
  const details = shownDetails(single?.errorDetails);
  const breaking = results.flatMap((result) =>
    (result.changes?.breaking ?? []).map((what) => `${shownId(result.serverId)}: ${oneLine(what)}`),
  );
  const bounded = boundedResults(results, entries);
  return {
    outputs: {
      status: worstStatus(results),
      error,
      'error-details': details === null ? '' : JSON.stringify(details),
      retryable: single?.error === undefined ? '' : String(single.retryable ?? false),
      attempts: String(results.reduce((sum, result) => sum + result.attempts, 0)),
      'breaking-changes': lines(breaking),
      results: bounded.json,
    },
    resultsLeft: bounded.left,
  };
}

/** The outputs of a run that could not start: nothing was synced. */
export function fatalOutputs(message: string): Outputs {
  return {
    status: 'error',
    error: oneLine(message),
    'error-details': '',
    retryable: '',
    attempts: '0',
    'breaking-changes': '',
    results: '[]',
  };
}
