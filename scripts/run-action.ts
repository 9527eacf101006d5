// Runs the bundled action the way a GitHub runner does: `node dist/index.js` with INPUT_*
// variables, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files, then reads the outputs back.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ResultEntry } from '../src/report/results-json.js';

export const ACTION_ENTRY = fileURLToPath(new URL('../dist/index.js', import.meta.url));

export interface ActionRun {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
  durationMs: number;
}

/** One entry of the `results` output, as the report writes it. */
export type ResultJson = ResultEntry;

export function parseResults(outputs: Record<string, string>): ResultJson[] {
  return JSON.parse(outputs.results ?? '[]') as ResultJson[];
}

export interface RunActionOptions {
  /** Inputs by their action.yml names; an input left out is absent, as on a runner. */
  inputs?: Record<string, string>;
  /** Node's arguments, to run something else the same way (default: the bundled action). */
  argv?: readonly string[];
  /** Extra environment (CLOUDFLARE_* fallbacks, say); the run starts from a bare environment. */
  env?: Record<string, string>;
  /** Kills the action after this long (a safety net for tests, not a measure). */
  killAfterMs?: number;
}

export function inputVariable(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

/** Reads a GITHUB_OUTPUT file: `name<<delimiter`, the value's lines, then the delimiter. */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const match = /^([^<=]+)<<(.+)$/.exec(lines[i] ?? '');
    if (match === null) continue;
    const [, name = '', delimiter] = match;
    const value: string[] = [];
    for (i += 1; i < lines.length && lines[i] !== delimiter; i += 1) value.push(lines[i] ?? '');
    outputs[name] = value.join('\n');
  }
  return outputs;
}

export async function runAction(options: RunActionOptions = {}): Promise<ActionRun> {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-sync-run-'));
  const { env, outputFile, summaryFile } = runnerFiles(dir, options.inputs ?? {}, options.env);
  const started = performance.now();
  try {
    const argv = options.argv ?? [ACTION_ENTRY];
    const { exitCode, stdout, stderr } = await spawnNode(argv, env, options.killAfterMs ?? 60_000);
    const durationMs = performance.now() - started;
    return {
      exitCode,
      stdout,
      stderr,
      outputs: parseOutputFile(readFileSync(outputFile, 'utf8')),
      summary: readFileSync(summaryFile, 'utf8'),
      durationMs,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The files and variables a runner gives a step, in `dir`: GITHUB_OUTPUT, GITHUB_STEP_SUMMARY,
 * RUNNER_TEMP (where the results-file goes, removed with `dir`), and the inputs as INPUT_
 * variables, over a bare environment with `extra` on top.
 */
export function runnerFiles(
  dir: string,
  inputs: Record<string, string>,
  extra: Record<string, string> = {},
): { env: Record<string, string>; outputFile: string; summaryFile: string } {
  const outputFile = join(dir, 'output');
  const summaryFile = join(dir, 'summary');
  writeFileSync(outputFile, '');
  writeFileSync(summaryFile, '');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    RUNNER_TEMP: dir,
    ...extra,
  };
  for (const [name, value] of Object.entries(inputs)) env[inputVariable(name)] = value;
  return { env, outputFile, summaryFile };
}

function spawnNode(
  argv: readonly string[],
  env: Record<string, string>,
  killAfterMs: number,
): Promise<{ exitCode: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const killer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('error', reject);
    child.on('close', (exitCode) => {
      clearTimeout(killer);
      resolve({ exitCode, stdout, stderr });
    });
  });
}
