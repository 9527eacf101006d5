/**
 * Validates the action metadata (action.yml) and every workflow in .github/workflows against the
 * schemas GitHub itself uses, via @actions/workflow-parser (the parser behind the Actions
 * language service).
 *
 *   tsx scripts/validate-workflows.ts            # action.yml + .github/workflows/*.yml|*.yaml
 *   tsx scripts/validate-workflows.ts FILE...    # only these files; action.yml / action.yaml
 *                                                # are checked as action metadata, anything
 *                                                # else as a workflow
 *
 * Prints one line per file (`ok  PATH`, or `FAIL PATH` followed by its errors) and exits 1 when
 * any file has an error. Under GitHub Actions each error is also emitted as an annotation.
 *
 * The parser's modules import its JSON schemas without import attributes, which plain Node 20
 * rejects; tsx resolves them, so run this script through tsx (`npm run validate`).
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import {
  convertWorkflowTemplate,
  NoOperationTraceWriter,
  parseWorkflow,
  type TemplateParseResult,
} from '@actions/workflow-parser';
import { parseAction } from '@actions/workflow-parser/actions/action-parser';
import { convertActionTemplate } from '@actions/workflow-parser/actions/action-template';

type Kind = 'action' | 'workflow';

interface Target {
  /** Path as shown to the user and passed to the parser (relative to the repository root). */
  display: string;
  absolute: string;
  kind: Kind;
}

interface Problem {
  message: string;
  line?: number;
  column?: number;
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const workflowsDir = path.join(repoRoot, '.github', 'workflows');
const actionFileNames = new Set(['action.yml', 'action.yaml']);

function toTarget(file: string): Target {
  const absolute = path.resolve(file);
  const relative = path.relative(repoRoot, absolute);
  const display = relative.startsWith('..') ? absolute : relative.split(path.sep).join('/');
  const kind: Kind = actionFileNames.has(path.basename(absolute)) ? 'action' : 'workflow';
  return { display, absolute, kind };
}

async function defaultTargets(): Promise<Target[]> {
  const targets: Target[] = [];
  const actionFile = [...actionFileNames]
    .map((name) => path.join(repoRoot, name))
    .find((candidate) => existsSync(candidate));
  // A missing action.yml is reported as a failure rather than skipped.
  targets.push(toTarget(actionFile ?? path.join(repoRoot, 'action.yml')));

  if (existsSync(workflowsDir)) {
    const entries = await readdir(workflowsDir, { withFileTypes: true });
    entries
      .filter((entry) => entry.isFile() && /\.ya?ml$/.test(entry.name))
      .map((entry) => entry.name)
      .sort()
      .forEach((name) => targets.push(toTarget(path.join(workflowsDir, name))));
  }
  return targets;
}

function problemsOf(result: TemplateParseResult): Problem[] {
  return result.context.errors.getErrors().map((error) => ({
    message: error.message,
    line: error.range?.start.line,
    column: error.range?.start.column,
  }));
}

async function validate(target: Target): Promise<Problem[]> {
  let content: string;
  try {
    content = await readFile(target.absolute, 'utf8');
  } catch (error) {
    return [{ message: `cannot read file: ${(error as Error).message}` }];
  }
  const file = { name: target.display, content };
  const trace = new NoOperationTraceWriter();

  if (target.kind === 'action') {
    const result = parseAction(file, trace);
    if (result.value === undefined) {
      return result.context.errors.count > 0 ? problemsOf(result) : [{ message: 'empty document' }];
    }
    // The converter adds semantic errors (e.g. about `runs`) to the same context; it is skipped
    // when the schema pass already failed.
    convertActionTemplate(result.context, result.value);
    return problemsOf(result);
  }

  const result = parseWorkflow(file, trace);
  if (result.value === undefined) {
    return result.context.errors.count > 0 ? problemsOf(result) : [{ message: 'empty document' }];
  }
  // The converter checks what the schema cannot: `needs` graphs, duplicate step ids, cron
  // syntax, event filters. Like the action converter, it records its errors in the context.
  await convertWorkflowTemplate(result.context, result.value);
  return problemsOf(result);
}

function annotate(target: Target, problem: Problem): void {
  if (process.env.GITHUB_ACTIONS !== 'true') return;
  const escape = (text: string): string =>
    text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  const properties = [`file=${target.display.replace(/[,:]/g, '_')}`];
  if (problem.line !== undefined) properties.push(`line=${problem.line}`);
  if (problem.column !== undefined) properties.push(`col=${problem.column}`);
  console.log(`::error ${properties.join(',')}::${escape(problem.message)}`);
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const targets = args.length > 0 ? args.map(toTarget) : await defaultTargets();
  let failures = 0;

  for (const target of targets) {
    const problems = await validate(target);
    if (problems.length === 0) {
      console.log(`ok  ${target.display}`);
      continue;
    }
    failures += 1;
    console.log(`FAIL ${target.display} (${target.kind})`);
    for (const problem of problems) {
      console.log(`  ${problem.message}`);
      annotate(target, problem);
    }
  }

  const checked = `${targets.length} file${targets.length === 1 ? '' : 's'}`;
  if (failures > 0) {
    console.log(`\n${failures} of ${checked} failed validation`);
    return 1;
  }
  console.log(`\nall ${checked} valid`);
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
