// Everything the user sees of a run: outputs, annotations, log warnings and the job summary.
// All text that came from the network passes through untrusted-text on its way out.
import * as core from '@actions/core';
import { formatSeconds } from '../api/cloudflare-api.js';
import type { ErrorDetails, SyncStatus } from '../api/envelope.js';
import type { FleetReport } from '../fleet/fleet.js';
import type { ServerResult } from '../server/sync-server.js';
import { oneLine, summaryText } from '../untrusted-text.js';

const SEVERITY: Record<SyncStatus, number> = { ready: 0, waiting: 1, stale: 2, error: 3 };
const ICON: Record<SyncStatus, string> = { ready: '✅', waiting: '⏳', stale: '⚠️', error: '❌' };
const FAILED_IDS_SHOWN = 10;
const MAX_NAME_LENGTH = 200;

export function worstStatus(results: readonly ServerResult[]): SyncStatus {
  return results.reduce<SyncStatus>(
    (worst, { status }) => (SEVERITY[status] > SEVERITY[worst] ? status : worst),
    'ready',
  );
}

/** Error details as shown: the cause, upstream text, folded to one line like every message. */
function shownDetails(details: ErrorDetails | undefined): ErrorDetails | null {
  if (details === undefined) return null;
  return details.cause === undefined ? details : { ...details, cause: oneLine(details.cause) };
}

/** Capability names as shown: one line each, so a later step that prints them stays safe. */
function shownNames(names: string[] | undefined): string[] | null {
  return names === undefined ? null : names.map((name) => oneLine(name, MAX_NAME_LENGTH));
}

/** The `results` output: one plain object per server, in the contract's snake_case. */
export function resultsJson(results: readonly ServerResult[]): string {
  return JSON.stringify(
    results.map((result) => ({
      server_id: result.serverId,
      status: result.status,
      error: result.error === undefined ? null : oneLine(result.error),
      error_details: shownDetails(result.errorDetails),
      attempts: result.attempts,
      duration_ms: result.durationMs,
      tools: shownNames(result.tools),
      prompts: shownNames(result.prompts),
      ray_id: result.rayId ?? null,
    })),
  );
}

/** Reports a finished run; marks the step failed when any server ended with an error. */
export async function reportFleet(report: FleetReport): Promise<void> {
  const { results } = report;
  const failed = results.filter((result) => result.error !== undefined);
  const single = results.length === 1 ? results[0] : undefined;

  core.setOutput('status', worstStatus(results));
  core.setOutput(
    'error',
    single !== undefined
      ? oneLine(single.error ?? '')
      : failed.map((result) => `${result.serverId}: ${oneLine(result.error ?? '')}`).join('\n'),
  );
  const details = shownDetails(single?.errorDetails);
  core.setOutput('error-details', details === null ? '' : JSON.stringify(details));
  core.setOutput('retryable', single?.error === undefined ? '' : String(single.retryable ?? false));
  core.setOutput('attempts', String(results.reduce((sum, result) => sum + result.attempts, 0)));
  core.setOutput('results', resultsJson(results));

  for (const warning of new Set(report.warnings)) core.warning(oneLine(warning));
  for (const result of results) {
    const title = `MCP server ${result.serverId}`;
    if (result.error !== undefined) {
      core.error(oneLine(result.error), { title: `${title} failed to sync` });
    } else if (result.status !== 'ready') {
      core.warning(`synced, but the status is ${result.status}`, { title });
    }
  }
  await writeSummary(summaryTable(results));

  if (failed.length > 0) {
    const ids = failed.slice(0, FAILED_IDS_SHOWN).map((result) => result.serverId);
    const more =
      failed.length > FAILED_IDS_SHOWN ? ` and ${failed.length - FAILED_IDS_SHOWN} more` : '';
    core.setFailed(
      `${failed.length} of ${results.length} MCP server${results.length === 1 ? '' : 's'} failed to sync: ${ids.join(', ')}${more}`,
    );
  }
}

/** Reports a run that could not sync at all (bad input, unreadable server list). */
export async function reportFatal(message: string): Promise<void> {
  const text = oneLine(message);
  core.setOutput('status', 'error');
  core.setOutput('error', text);
  core.setOutput('error-details', '');
  core.setOutput('retryable', '');
  core.setOutput('attempts', '0');
  core.setOutput('results', '[]');
  await writeSummary(`<p>${ICON.error} ${summaryText(text)}</p>`);
  core.setFailed(text);
}

function summaryTable(results: readonly ServerResult[]): string {
  const head = ['Server', 'Status', 'Attempts', 'Time', 'Tools', 'Prompts', 'Error'];
  const row = (cells: string[], tag = 'td'): string =>
    `<tr>${cells.map((cell) => `<${tag}>${cell}</${tag}>`).join('')}</tr>`;
  const count = (names?: string[]): string => (names === undefined ? '–' : String(names.length));
  const sum = (pick: (result: ServerResult) => number): number =>
    results.reduce((total, result) => total + pick(result), 0);
  const failed = results.filter((result) => result.error !== undefined).length;
  const rows = results.map((result) =>
    row([
      `<code>${summaryText(result.serverId)}</code>`,
      `${ICON[result.status]} ${result.status}`,
      String(result.attempts),
      formatSeconds(result.durationMs),
      count(result.tools),
      count(result.prompts),
      result.error === undefined ? '' : summaryText(result.error),
    ]),
  );
  const worst = worstStatus(results);
  const total = row([
    `<strong>${results.length} server${results.length === 1 ? '' : 's'}</strong>`,
    `${ICON[worst]} ${worst}`,
    String(sum((result) => result.attempts)),
    formatSeconds(Math.max(0, ...results.map((result) => result.durationMs))),
    String(sum((result) => result.tools?.length ?? 0)),
    String(sum((result) => result.prompts?.length ?? 0)),
    failed === 0 ? '' : `${failed} failed`,
  ]);
  return `<table>${row(head, 'th')}${rows.join('')}${total}</table>`;
}

async function writeSummary(html: string): Promise<void> {
  if (process.env.GITHUB_STEP_SUMMARY === undefined) return;
  try {
    await core.summary.addHeading('Cloudflare MCP server sync', 2).addRaw(html, true).write();
  } catch (error) {
    core.warning(`job summary not written: ${oneLine(String(error))}`);
  } finally {
    core.summary.emptyBuffer();
  }
}
