// Which annotations a run gets. GitHub shows only the first 10 error and the first 10 warning
// annotations of a step, so the ones that explain the run come first and the rest fold into one
// `… and N more` annotation.
import type { SyncStatus } from '../api/envelope.js';
import type { FleetReport } from '../fleet/fleet-report.js';
import type { ServerResult } from '../server/server-result.js';
import { oneLine } from '../untrusted-text.js';
import { plural } from './outputs.js';
import { shownId } from './results-json.js';

/** Per step and kind, what GitHub shows. */
const VISIBLE_ANNOTATIONS = 10;

/** What `waiting` and `stale` mean for the user, in the summary and the warnings alike. */
export const STATUS_EXPLANATION: Partial<Record<SyncStatus, string>> = {
  stale:
    "the administrator's authorization has expired: re-authenticate the server in the Cloudflare dashboard",
  waiting:
    'still connecting to its upstream MCP server when the step ended: its tools may change once it is ready',
};

/**
 * What the user should know of a server that is not its error: why its status is not `ready`
 * (only when it did not fail, whose error says more), the fleet's notes, and its breaking
 * changes when `on-breaking-change` is `warn`. Untrusted text is folded to one line.
 */
export function serverNotes(
  result: ServerResult,
  onBreakingChange: FleetReport['onBreakingChange'],
): string[] {
  const explanation = result.error === undefined ? STATUS_EXPLANATION[result.status] : undefined;
  const breaking = result.changes?.breaking ?? [];
  return [
    ...(explanation === undefined ? [] : [explanation]),
    ...result.warnings.map((warning) => oneLine(warning)),
    ...(onBreakingChange === 'warn' && breaking.length > 0
      ? [
          oneLine(
            `breaking ${breaking.length === 1 ? 'change' : 'changes'}: ${breaking.join('; ')}`,
          ),
        ]
      : []),
  ];
}

export interface Annotation {
  message: string;
  title?: string;
}

export interface AnnotationPlan {
  /** The step's failure message, for core.setFailed, which makes it the first error annotation. */
  failure?: string;
  /** The other error annotations, in order: with `failure`, at most VISIBLE_ANNOTATIONS in all. */
  errors: Annotation[];
  warnings: Annotation[];
}

/** The first `room` annotations, the last of them `more(n)` when n others do not fit. */
function fold(
  annotations: readonly Annotation[],
  room: number,
  more: (left: number) => string,
): Annotation[] {
  if (annotations.length <= room) return [...annotations];
  const shown = Math.max(0, room - 1);
  return [...annotations.slice(0, shown), { message: more(annotations.length - shown) }];
}

export interface AnnotationContext {
  failure: string | undefined;
  /** Servers the `results` output left out: when any, a warning names results-file. */
  resultsLeft: number;
}

export function planAnnotations(
  report: FleetReport,
  { failure, resultsLeft }: AnnotationContext,
): AnnotationPlan {
  const { results, dryRun, onBreakingChange } = report;
  const errors = results.flatMap((result): Annotation[] => {
    if (result.error === undefined) return [];
    const hint = result.hint === undefined ? '' : ` → ${oneLine(result.hint)}`;
    const title = `MCP server ${shownId(result.serverId)} ${dryRun ? 'failed the dry run' : 'failed to sync'}`;
    return [{ title, message: `${oneLine(result.error)}${hint}` }];
  });
  const cut: Annotation[] =
    resultsLeft === 0
      ? []
      : [
          {
            message: `the results output leaves out ${plural(resultsLeft, 'MCP server')} of ${results.length} to stay within GitHub's output limit (failed, changed and not ready ones are kept first): the file named by the results-file output has them all`,
          },
        ];
  const run = [...new Set(report.warnings)].map((warning) => ({ message: oneLine(warning) }));
  const perServer = results.flatMap((result) =>
    serverNotes(result, onBreakingChange).map((message) => ({
      title: `MCP server ${shownId(result.serverId)}`,
      message,
    })),
  );
  return {
    ...(failure === undefined ? {} : { failure }),
    errors: fold(
      errors,
      VISIBLE_ANNOTATIONS - (failure === undefined ? 0 : 1),
      (left) =>
        `… and ${plural(left, 'more MCP server')} failed: the job summary and the results-file output list every error`,
    ),
    warnings: fold(
      [...cut, ...run, ...perServer],
      // Warnings annotated when they arose count against the same visible ten.
      VISIBLE_ANNOTATIONS - report.announced.length,
      (left) => `… and ${plural(left, 'more warning')}: see the job summary`,
    ),
  };
}
