// run() from src/main.ts in-process, with the runner's plumbing set up as on a runner: INPUT_*
// variables, a fresh GITHUB_OUTPUT file, the job summary file and RUNNER_TEMP (where the
// results-file goes). Faster than spawning the bundle, and a clock can be injected: a test that
// hands the same clock to the fake (its `now` option) gets request times and waits that are exact
// and cost nothing. Every run is checked for leaked credentials, the results-file included.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, jest } from '@jest/globals';
import { inputVariable, parseOutputFile } from '../../scripts/run-action.js';
import type { Clock } from '../../src/clock.js';
import { run } from '../../src/main.js';
import { expectNoCredentialLeak, type Observed } from './harness.js';

// @actions/core's job summary keeps the first GITHUB_STEP_SUMMARY path it sees, so every run of a
// test file writes the same summary file, emptied before each run.
const workDir = mkdtempSync(join(tmpdir(), 'in-process-'));
const summaryFile = join(workDir, 'step-summary.md');
let runs = 0;

afterAll(() => rmSync(workDir, { recursive: true, force: true }));

export interface InProcessRun extends Observed {
  /** The exit code the process would end with. */
  exitCode: number;
  /** What the results-file output names, as written. */
  resultsFile: string;
}

export interface InProcessOptions {
  clock?: Clock;
  /** Default: always 0.5, so jitter is the same on every run. */
  random?: () => number;
}

/**
 * Runs the action with exactly `inputs` (by their action.yml names): no INPUT_ or CLOUDFLARE_
 * variable of whoever runs the tests reaches it. The environment, stdout and the exit code are
 * restored afterwards.
 */
export async function runInProcess(
  inputs: Record<string, string>,
  { clock, random = () => 0.5 }: InProcessOptions = {},
): Promise<InProcessRun> {
  const savedEnv = { ...process.env };
  runs += 1;
  const outputFile = join(workDir, `output-${runs}`);
  writeFileSync(outputFile, '');
  writeFileSync(summaryFile, '');
  for (const name of Object.keys(process.env)) {
    if (/^(INPUT_|CLOUDFLARE_)/i.test(name)) delete process.env[name];
  }
  for (const [name, value] of Object.entries(inputs)) process.env[inputVariable(name)] = value;
  process.env.GITHUB_OUTPUT = outputFile;
  process.env.GITHUB_STEP_SUMMARY = summaryFile;
  process.env.RUNNER_TEMP = workDir;
  let stdout = '';
  const write = jest
    .spyOn(process.stdout, 'write')
    .mockImplementation((chunk: string | Uint8Array) => {
      stdout += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      return true;
    });
  try {
    await run({ random, ...(clock === undefined ? {} : { clock }) });
  } finally {
    write.mockRestore();
    for (const name of Object.keys(process.env)) {
      if (!(name in savedEnv)) delete process.env[name];
    }
    Object.assign(process.env, savedEnv);
  }
  const exitCode = process.exitCode === undefined ? 0 : Number(process.exitCode);
  // core.setFailed sets it; left at 1, it would fail the whole jest run.
  process.exitCode = undefined;
  const outputs = parseOutputFile(readFileSync(outputFile, 'utf8'));
  const resultsPath = outputs['results-file'] ?? '';
  const observed: InProcessRun = {
    exitCode,
    stdout,
    outputs,
    summary: readFileSync(summaryFile, 'utf8'),
    resultsFile: resultsPath === '' ? '' : readFileSync(resultsPath, 'utf8'),
  };
  expectNoCredentialLeak(observed);
  expectNoCredentialLeak({
    stdout: '',
    outputs: { 'results-file contents': observed.resultsFile },
    summary: '',
  });
  return observed;
}
