// Everything the user sees of a run, written through @actions/core: the results-file, the outputs,
// the annotations and the job summary. What they say is decided by the pure modules beside this
// one; this writes them at the end of a run (a warning that must not wait, the rate-limit plan,
// is annotated by main.ts when it arises).
import * as core from '@actions/core';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FleetReport } from '../fleet/fleet-report.js';
import { oneLine } from '../untrusted-text.js';
import { planAnnotations, type AnnotationPlan } from './annotations.js';
import { failureMessage, fatalOutputs, fleetOutputs, type Outputs } from './outputs.js';
import { entryStrings, jsonArray } from './results-json.js';
import { fatalSummaryHtml, summaryHtml } from './summary.js';

/** Reports a run that synced (all of it, or what it did before it stopped). */
export async function reportFleet(report: FleetReport): Promise<void> {
  const entries = entryStrings(report.results);
  const file = await writeResultsFile(jsonArray(entries));
  const { outputs, resultsLeft } = fleetOutputs(report, entries);
  setOutputs(outputs, file.path);
  const shown = withWarnings(report, file.problem);
  const all = withWarnings(shown, await writeSummary(summaryHtml(shown)));
  annotate(planAnnotations(all, { failure: failureMessage(all), resultsLeft }));
}

/** Reports a run that could not start: bad input, or a server list or portal it could not read. */
export async function reportFatal(message: string): Promise<void> {
  const file = await writeResultsFile('[]');
  setOutputs(fatalOutputs(message), file.path);
  const problems = [file.problem, await writeSummary(fatalSummaryHtml(message))];
  annotate({
    failure: oneLine(message),
    errors: [],
    warnings: problems.flatMap((problem) => (problem === undefined ? [] : [{ message: problem }])),
  });
}

/** A problem of the report itself joins the run's warnings, so that it is counted with them. */
function withWarnings(report: FleetReport, problem: string | undefined): FleetReport {
  return problem === undefined ? report : { ...report, warnings: [...report.warnings, problem] };
}

/**
 * Writes the whole results array to a fresh directory under RUNNER_TEMP (which the runner
 * empties after the job): its path, or '' and why not.
 */
async function writeResultsFile(json: string): Promise<{ path: string; problem?: string }> {
  try {
    const dir = await mkdtemp(join(process.env.RUNNER_TEMP || tmpdir(), 'mcp-sync-'));
    const path = join(dir, 'results.json');
    await writeFile(path, json, 'utf8');
    return { path };
  } catch (error) {
    return { path: '', problem: `results-file not written: ${oneLine(String(error))}` };
  }
}

function setOutputs(outputs: Outputs, resultsFile: string): void {
  for (const [name, value] of Object.entries(outputs)) core.setOutput(name, value);
  core.setOutput('results-file', resultsFile);
}

/** setFailed first: its message is the step's first error annotation. */
function annotate({ failure, errors, warnings }: AnnotationPlan): void {
  if (failure !== undefined) core.setFailed(failure);
  for (const { message, title } of errors)
    core.error(message, title === undefined ? {} : { title });
  for (const { message, title } of warnings) {
    core.warning(message, title === undefined ? {} : { title });
  }
}

/** Writes the job summary; says why not when it could not. */
async function writeSummary(html: string): Promise<string | undefined> {
  if (process.env.GITHUB_STEP_SUMMARY === undefined) return undefined;
  try {
    await core.summary.addRaw(html).write();
    return undefined;
  } catch (error) {
    return `job summary not written: ${oneLine(String(error))}`;
  } finally {
    core.summary.emptyBuffer();
  }
}
