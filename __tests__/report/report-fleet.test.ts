// reportFleet and reportFatal in-process, with the runner's files (GITHUB_OUTPUT,
// GITHUB_STEP_SUMMARY, RUNNER_TEMP) set up as on a runner and the log read from stdout: what a
// user of the action sees, written through @actions/core.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { parseOutputFile } from '../../scripts/run-action.js';
import { RESULTS_LIMIT, utf8Bytes } from '../../src/report/limits.js';
import { reportFatal, reportFleet } from '../../src/report/report.js';
import type { ResultEntry } from '../../src/report/results-json.js';
import { failed, fleet, ids, result } from './fixtures.js';

// @actions/core's job summary remembers the first GITHUB_STEP_SUMMARY path it sees, so every test
// uses the same file (emptied before each) and a fresh GITHUB_OUTPUT file and RUNNER_TEMP.
const workDir = mkdtempSync(join(tmpdir(), 'report-fleet-'));
const summaryFile = join(workDir, 'step-summary.md');
let runnerTemp = '';
let outputFile = '';
let count = 0;
let stdout = '';
let savedEnv: Record<string, string | undefined> = {};

beforeEach(() => {
  savedEnv = { ...process.env };
  count += 1;
  outputFile = join(workDir, `output-${count}`);
  runnerTemp = join(workDir, `temp-${count}`);
  mkdirSync(runnerTemp);
  writeFileSync(outputFile, '');
  writeFileSync(summaryFile, '');
  Object.assign(process.env, {
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    RUNNER_TEMP: runnerTemp,
  });
  stdout = '';
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  });
});

afterEach(() => {
  jest.restoreAllMocks();
  for (const name of Object.keys(process.env)) {
    if (!(name in savedEnv)) delete process.env[name];
  }
  Object.assign(process.env, savedEnv);
  // core.setFailed sets it; left at 1, it would fail the whole jest run.
  process.exitCode = undefined;
});

afterAll(() => rmSync(workDir, { recursive: true, force: true }));

interface Seen {
  exitCode: number;
  outputs: Record<string, string>;
  /** Annotation lines of one kind, in the order they were written. */
  errors: string[];
  warnings: string[];
  summary: string;
  /** The results-file's array. */
  file: ResultEntry[];
}

/** The annotation lines of one kind written so far, in order. */
const annotations = (kind: string): string[] =>
  stdout
    .split('\n')
    .filter((line) => line.startsWith(`::${kind}::`) || line.startsWith(`::${kind} `));

function seen(): Seen {
  const outputs = parseOutputFile(readFileSync(outputFile, 'utf8'));
  return {
    exitCode: process.exitCode === undefined ? 0 : Number(process.exitCode),
    outputs,
    errors: annotations('error'),
    warnings: annotations('warning'),
    summary: readFileSync(summaryFile, 'utf8'),
    file: JSON.parse(readFileSync(outputs['results-file'] ?? '', 'utf8')) as ResultEntry[],
  };
}

describe('reportFleet', () => {
  it('reports 25 failed servers: outputs, the failure message first, 10 error annotations', async () => {
    const results = [
      result('fine'),
      ...ids(25).map((id) => failed(id, `${id} broke`, { hint: 'retry later', attempts: 2 })),
    ];

    await reportFleet(fleet(results));

    const run = seen();
    expect(run.exitCode).toBe(1);
    expect({ ...run.outputs, results: undefined, 'results-file': undefined }).toEqual({
      status: 'error',
      error: ids(25)
        .map((id) => `${id}: ${id} broke`)
        .join('\n'),
      'error-details': '',
      retryable: '',
      attempts: '51',
      'breaking-changes': '',
      results: undefined,
      'results-file': undefined,
    });
    expect(dirname(dirname(run.outputs['results-file'] ?? ''))).toBe(runnerTemp);
    expect(run.outputs.results).toBe(JSON.stringify(run.file));
    expect(run.file.map((entry) => entry.server_id)).toEqual(['fine', ...ids(25)]);
    expect(run.errors).toEqual([
      '::error::25 of 26 MCP servers failed to sync: s-001, s-002, s-003, s-004, s-005, s-006, s-007, s-008, s-009, s-010 and 15 more',
      ...ids(8).map(
        (id) => `::error title=MCP server ${id} failed to sync::${id} broke → retry later`,
      ),
      '::error::… and 17 more MCP servers failed: the job summary and the results-file output list every error',
    ]);
    expect(run.warnings).toEqual([]);
    expect(run.summary.startsWith('<h2>Cloudflare MCP server sync</h2>\n')).toBe(true);
    expect(run.summary).toContain(
      '<p><strong>Next:</strong> <code>s-001</code>: retry later (24 more failed servers below)</p>',
    );
  });

  it('passes a ready fleet, with results-file beside the results output', async () => {
    await reportFleet(fleet([result('a'), result('b')]));

    const run = seen();
    expect(run.exitCode).toBe(0);
    expect(run.outputs).toMatchObject({ status: 'ready', error: '', attempts: '2' });
    expect(run.errors).toEqual([]);
    expect(run.file).toHaveLength(2);
    expect(run.outputs.results).toBe(JSON.stringify(run.file));
  });

  it('cuts a large results output, warns first about it, and keeps every server in the file', async () => {
    const tools = Array.from({ length: 60 }, (_, i) => `a_rather_long_tool_name_${i}`);
    const results = ids(400).map((id, i) =>
      i % 100 === 99 ? failed(id, 'boom', { tools }) : result(id, { tools, status: 'stale' }),
    );

    await reportFleet(fleet(results, { warnings: ['run warning'] }));

    const run = seen();
    const kept = JSON.parse(run.outputs.results ?? '') as ResultEntry[];
    expect(utf8Bytes(run.outputs.results ?? '')).toBeLessThan(RESULTS_LIMIT);
    expect(kept.slice(0, 4).map((entry) => entry.server_id)).toEqual([
      's-100',
      's-200',
      's-300',
      's-400',
    ]);
    expect(run.file).toHaveLength(400);
    expect(run.warnings).toHaveLength(10);
    expect(run.warnings[0]).toBe(
      `::warning::the results output leaves out ${400 - kept.length} MCP servers of 400 to stay within GitHub's output limit (failed, changed and not ready ones are kept first): the file named by the results-file output has them all`,
    );
    expect(run.warnings[1]).toBe('::warning::run warning');
    expect(run.warnings[9]).toBe('::warning::… and 389 more warnings: see the job summary');
  });

  it('still sets every output when RUNNER_TEMP cannot be written, and says so', async () => {
    // A path under a file: not even root can make a directory there.
    process.env.RUNNER_TEMP = join(outputFile, 'temp');

    await reportFleet(fleet([result('a')]));

    const outputs = parseOutputFile(readFileSync(outputFile, 'utf8'));
    expect(outputs['results-file']).toBe('');
    expect(outputs.status).toBe('ready');
    expect(stdout).toMatch(/^::warning::results-file not written: Error: ENOTDIR: /m);
    expect(readFileSync(summaryFile, 'utf8')).toContain(
      '<li>⚠️ results-file not written&#58; Error&#58; ENOTDIR',
    );
  });
});

describe('reportFatal', () => {
  it('warns of each file it could not write: the results-file and the job summary', async () => {
    process.env.RUNNER_TEMP = join(outputFile, 'temp');
    // A directory where the summary file should be: appending to it fails.
    rmSync(summaryFile);
    mkdirSync(summaryFile);
    try {
      await reportFatal('boom');
    } finally {
      rmSync(summaryFile, { recursive: true });
      writeFileSync(summaryFile, '');
    }

    const outputs = parseOutputFile(readFileSync(outputFile, 'utf8'));
    expect([outputs.status, outputs['results-file']]).toEqual(['error', '']);
    expect(annotations('warning')).toEqual([
      expect.stringMatching(/^::warning::results-file not written: Error: ENOTDIR: /),
      expect.stringMatching(/^::warning::job summary not written: Error: EISDIR: /),
    ]);
  });

  it('sets every output, fails with the message as the only error, and writes the summary', async () => {
    await reportFatal('account-id: expected 32 hexadecimal characters');

    const run = seen();
    expect(run.exitCode).toBe(1);
    expect({ ...run.outputs, 'results-file': undefined }).toEqual({
      status: 'error',
      error: 'account-id: expected 32 hexadecimal characters',
      'error-details': '',
      retryable: '',
      attempts: '0',
      'breaking-changes': '',
      results: '[]',
      'results-file': undefined,
    });
    expect(run.file).toEqual([]);
    expect(run.errors).toEqual(['::error::account-id: expected 32 hexadecimal characters']);
    expect(run.warnings).toEqual([]);
    expect(run.summary).toBe(
      '<h2>Cloudflare MCP server sync</h2>\n<p><strong>❌ account-id&#58; expected 32 hexadecimal characters</strong></p>\n',
    );
  });
});
