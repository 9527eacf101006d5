// The job summary, the action's face: a verdict a person can act on, then a table of servers with
// the failed and not-ready ones first. GitHub renders it as Markdown with HTML, so it is one HTML
// block (no blank line) and every piece of network text passes through summaryText.
//
// GitHub's sanitizer strips `style` and `<nobr>`, but keeps the `nowrap` attribute of a table
// cell, which is how ids, status words and times stay on one line.
import type { SyncStatus } from '../api/envelope.js';
import type { FleetReport } from '../fleet/fleet-report.js';
import type { CapabilityChanges, Changes } from '../server/capability-diff.js';
import type { ServerResult } from '../server/server-result.js';
import { summaryText } from '../untrusted-text.js';
import { serverNotes } from './annotations.js';
import { SUMMARY_LIMIT, joinWithin, utf8Bytes } from './limits.js';
import { STATUSES_WORST_FIRST, failedResults, plural } from './outputs.js';
import { MAX_ID_LENGTH, MAX_NAME_LENGTH, hasChanges } from './results-json.js';

const TITLE = 'Cloudflare MCP server sync';
const ICON: Record<SyncStatus, string> = { ready: '✅', waiting: '⏳', stale: '⚠️', error: '❌' };
const COLUMNS = [
  'Server',
  'Status',
  'Attempts',
  'Time',
  'Tools',
  'Prompts',
  'Changes',
  'What to do',
];
/** A cell's diff longer than this folds into `<details>`. */
const DIFF_LINES_OPEN = 4;
/** A cell's diff stops here: the results-file has every name. */
const DIFF_LINES_MAX = 30;
/** Run warnings listed above the table; the annotations and the log have them all. */
const RUN_WARNINGS_SHOWN = 10;

/** `420 ms`, `1.2 s`, `42 s`, `2 min 5 s`, `1 h 3 min`: sub-second syncs stay apart. */
export function formatDuration(ms: number): string {
  const rounded = Math.max(0, Math.round(ms));
  if (rounded < 1000) return `${rounded} ms`;
  if (rounded < 9950) return `${(rounded / 1000).toFixed(1)} s`;
  const seconds = Math.round(rounded / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${seconds % 60} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

const id = (serverId: string): string => `<code>${summaryText(serverId, MAX_ID_LENGTH)}</code>`;
const name = (capability: string): string =>
  `<code>${summaryText(capability, MAX_NAME_LENGTH)}</code>`;

/** The changes as diff lines: `+` added, `−` removed, `~` changed, `⚠` breaking. */
function diffLines(changes: Changes): string[] {
  const kind = (label: string, { added, removed, changed }: CapabilityChanges): string[] => [
    ...added.map((capability) => `+ ${label} ${name(capability)}`),
    ...removed.map((capability) => `− ${label} ${name(capability)}`),
    ...changed.map((capability) => `~ ${label} ${name(capability)}`),
  ];
  return [
    ...changes.breaking.map((what) => `⚠ ${summaryText(what)}`),
    ...kind('tool', changes.tools),
    ...kind('prompt', changes.prompts),
  ];
}

/** `+2 added · −1 removed · ⚠ 1 breaking`: what a folded diff holds. */
function diffCounts({ tools, prompts, breaking }: Changes): string {
  const count = (pick: (kind: CapabilityChanges) => string[]): number =>
    pick(tools).length + pick(prompts).length;
  const counts: [number, (n: number) => string][] = [
    [count((kind) => kind.added), (n) => `+${n} added`],
    [count((kind) => kind.removed), (n) => `−${n} removed`],
    [count((kind) => kind.changed), (n) => `~${n} changed`],
    [breaking.length, (n) => `⚠ ${n} breaking`],
  ];
  return counts
    .filter(([n]) => n > 0)
    .map(([n, text]) => text(n))
    .join(' · ');
}

function changesCell(changes: Changes | null): string {
  if (changes === null) return '–';
  const lines = diffLines(changes);
  const shown =
    lines.length <= DIFF_LINES_MAX
      ? lines
      : [...lines.slice(0, DIFF_LINES_MAX - 1), `… and ${lines.length - DIFF_LINES_MAX + 1} more`];
  if (lines.length <= DIFF_LINES_OPEN) return shown.join('<br>');
  return `<details><summary>${diffCounts(changes)}</summary>${shown.join('<br>')}</details>`;
}

function whatToDoCell(result: ServerResult): string {
  if (result.error === undefined) {
    // Breaking changes show in the Changes cell already.
    return serverNotes(result, 'ignore')
      .map((note) => summaryText(note))
      .join('<br>');
  }
  const error = summaryText(result.error);
  return result.hint === undefined
    ? error
    : `<strong>${summaryText(result.hint)}</strong><br>${error}`;
}

function serverRow(result: ServerResult): string {
  const count = (names: string[] | undefined): string =>
    names === undefined ? '–' : String(names.length);
  const cells = [
    `<td nowrap>${id(result.serverId)}</td>`,
    `<td nowrap>${ICON[result.status]} ${result.status}</td>`,
    `<td>${result.attempts}</td>`,
    `<td nowrap>${formatDuration(result.durationMs)}</td>`,
    `<td>${count(result.tools)}</td>`,
    `<td>${count(result.prompts)}</td>`,
    `<td>${changesCell(result.changes)}</td>`,
    `<td>${whatToDoCell(result)}</td>`,
  ];
  return `<tr>${cells.join('')}</tr>`;
}

/** Failed servers first, then the ones not ready, each group in selection order. */
function tableOrder(results: readonly ServerResult[]): ServerResult[] {
  const rank = (result: ServerResult): number =>
    result.error !== undefined ? 0 : result.status === 'ready' ? 2 : 1;
  // The sort is stable: each group keeps selection order.
  return [...results].sort((a, b) => rank(a) - rank(b));
}

function headline({ results, dryRun }: FleetReport): string {
  const servers = plural(results.length, 'MCP server');
  const failed = failedResults(results).length;
  const prefix = dryRun ? 'Dry run, no sync sent: ' : '';
  if (results.length === 0) return `${ICON.ready} ${prefix}no MCP server was selected`;
  if (failed > 0) {
    return `${ICON.error} ${prefix}${failed} of ${servers} ${dryRun ? 'failed' : 'failed to sync'}`;
  }
  const notReady = results.filter((result) => result.status !== 'ready').length;
  const done = dryRun ? 'read' : 'synced';
  if (notReady > 0) return `${ICON.stale} ${prefix}${servers} ${done}, ${notReady} not ready`;
  const every = results.length === 1 ? 'the MCP server' : `all ${servers}`;
  return `${ICON.ready} ${prefix}${every} ${done} and ready`;
}

function statusCounts(results: readonly ServerResult[]): string {
  return STATUSES_WORST_FIRST.map((status) => ({
    status,
    count: results.filter((result) => result.status === status).length,
  }))
    .filter(({ count }) => count > 0)
    .map(({ status, count }) => `${ICON[status]} ${count} ${status}`)
    .join(' · ');
}

function changeCounts({ results, dryRun }: FleetReport): string {
  const compared = results.filter((result) => result.changes !== null);
  if (compared.length === 0) {
    return results.length === 0 || dryRun
      ? ''
      : 'capabilities not compared (a reading before or after the sync is missing)';
  }
  const changed = compared.filter((result) => hasChanges(result.changes)).length;
  const breaking = compared.reduce(
    (sum, result) => sum + (result.changes?.breaking.length ?? 0),
    0,
  );
  const notCompared = results.length - compared.length;
  return [
    changed === 0
      ? 'no capability changes'
      : `capabilities changed on ${plural(changed, 'server')}`,
    breaking === 0 ? 'no breaking change' : `⚠ ${plural(breaking, 'breaking change')}`,
    ...(notCompared === 0 ? [] : [`${notCompared} not compared`]),
  ].join(', ');
}

/** The one thing to do next, when something failed: the first failed server's hint, else its error. */
function nextStep(results: readonly ServerResult[]): string[] {
  const failed = failedResults(results);
  const first = failed[0];
  if (first === undefined) return [];
  const what = summaryText(first.hint ?? first.error);
  const others =
    failed.length > 1 ? ` (${plural(failed.length - 1, 'more failed server')} below)` : '';
  return [`<p><strong>Next:</strong> ${id(first.serverId)}: ${what}${others}</p>`];
}

function verdict(report: FleetReport): string[] {
  const { stopped, results } = report;
  const counts = [statusCounts(results), changeCounts(report)].filter((part) => part !== '');
  const warnings = [...new Set([...report.announced, ...report.warnings])];
  const listed = warnings.slice(0, RUN_WARNINGS_SHOWN).map((warning) => summaryText(warning));
  if (warnings.length > RUN_WARNINGS_SHOWN) {
    listed.push(`… and ${plural(warnings.length - RUN_WARNINGS_SHOWN, 'more warning')}`);
  }
  return [
    ...(stopped === undefined
      ? []
      : [
          // A cancel's own message says so (`the run was cancelled (SIGINT)`); a stop says why.
          stopped.kind === 'cancelled'
            ? `<p>⛔ <strong>${summaryText(capitalized(stopped.message))}</strong></p>`
            : `<p>⛔ <strong>The run stopped:</strong> ${summaryText(stopped.message)}</p>`,
        ]),
    `<p><strong>${headline(report)}</strong>${counts.length === 0 ? '' : `<br>${counts.join(' — ')}`}</p>`,
    ...nextStep(results),
    ...(listed.length === 0
      ? []
      : [`<ul>${listed.map((warning) => `<li>⚠️ ${warning}</li>`).join('')}</ul>`]),
  ];
}

/**
 * The job summary of a run, under SUMMARY_LIMIT bytes: the verdict always, then as many server
 * rows as fit, in table order, and a row that counts the rest.
 */
export function summaryHtml(report: FleetReport): string {
  const head = [`<h2>${TITLE}${report.dryRun ? ' (dry run)' : ''}</h2>`, ...verdict(report)];
  if (report.results.length === 0) return `${head.join('\n')}\n`;
  const before = [
    ...head,
    `<table>`,
    `<tr>${COLUMNS.map((column) => `<th>${column}</th>`).join('')}</tr>`,
    '',
  ].join('\n');
  const after = '\n</table>\n';
  const rows = joinWithin(
    tableOrder(report.results).map(serverRow),
    SUMMARY_LIMIT - utf8Bytes(before + after),
    {
      more: (left) =>
        `<tr><td colspan="${COLUMNS.length}">… and ${plural(left, 'more server')}: the results-file output lists them all</td></tr>`,
    },
  );
  return `${before}${rows.text}${after}`;
}

/** The job summary of a run that could not start. */
export function fatalSummaryHtml(message: string): string {
  return `<h2>${TITLE}</h2>\n<p><strong>${ICON.error} ${summaryText(message)}</strong></p>\n`;
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
