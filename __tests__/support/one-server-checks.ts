// Shared by the two one-server layers, run() in-process (single-run) and the bundled action
// (single-dist): the cases they share, and the assertions both make about a run.
import { expect } from '@jest/globals';
import type { FakeCloudflareApi } from '../../scripts/fake-cloudflare-api.js';
import {
  API_KEY,
  EMAIL,
  PROMPTS,
  RAY_ID,
  SERVER_ID,
  TIME_CELL,
  TOKEN,
  TOOLS,
  annotations,
  attemptLines,
  decodeHtml,
  onlyResult,
  serverRow,
  type Observed,
} from './harness.js';

/** A run of either layer. */
export type OneServerRun = Observed & { exitCode: number | null };

/** Asserts a synced server: exit 0, status ready, no error outputs or annotations. */
export function expectSynced(run: OneServerRun, attempts: number): void {
  // Outputs first: on a failure, their diff shows the action's error message.
  expect(run.outputs).toMatchObject({
    status: 'ready',
    error: '',
    'error-details': '',
    retryable: '',
    attempts: String(attempts),
  });
  expect(run.exitCode).toBe(0);
  expect(annotations(run, 'error')).toEqual([]);
  expect(attemptLines(run)).toHaveLength(attempts);
  expect(attemptLines(run).at(-1)).toMatch(
    new RegExp(`^sync ${SERVER_ID}: attempt ${attempts}/\\d+: HTTP 200 .*, ready$`),
  );
  const row = serverRow(run.summary);
  expect(row.slice(1, 3)).toEqual(['✅ ready', String(attempts)]);
}

/**
 * Asserts a server synced as ready at the first of 3 attempts, with the fake's cf-ray: the result
 * in full, the attempt line and the summary row.
 */
export function expectSyncedAtOnce(run: OneServerRun): void {
  expectSynced(run, 1);
  expect(onlyResult(run)).toEqual({
    server_id: SERVER_ID,
    status: 'ready',
    error: null,
    error_details: null,
    attempts: 1,
    duration_ms: expect.any(Number),
    tools: TOOLS,
    prompts: PROMPTS,
    ray_id: RAY_ID,
  });
  expect(attemptLines(run)).toEqual([
    `sync ${SERVER_ID}: attempt 1/3: HTTP 200 [cf-ray ${RAY_ID}], ready`,
  ]);
  expect(serverRow(run.summary)).toEqual([
    SERVER_ID,
    '✅ ready',
    '1',
    expect.stringMatching(TIME_CELL),
    String(TOOLS.length),
    String(PROMPTS.length),
    '',
  ]);
}

// ---------------------------------------------------------------------------------------------
// Bad inputs: the step fails before any request

/** A token pasted with words after it; the run may ask the runner to mask it as given. */
export const PASTED_TOKEN = `${TOKEN} trailing-words`;

export interface InputErrorCase {
  /** The input the error names first: `input: …`. */
  input: string;
  /** Inputs on top of the defaults; `undefined` leaves a default input out. */
  inputs: Record<string, string | undefined>;
  /** What the error says. */
  expected: string;
  /** Also run against the bundled action, whose error must contain this as well. */
  bundled?: string;
}

export const INPUT_ERROR_CASES: readonly InputErrorCase[] = [
  { input: 'account-id', inputs: { 'account-id': undefined }, expected: 'required' },
  {
    input: 'account-id',
    inputs: { 'account-id': 'abc123' },
    expected: 'expected 32 hexadecimal characters, got 6 characters',
  },
  {
    input: 'account-id',
    // A secret pasted into the wrong input must not be echoed.
    inputs: { 'account-id': TOKEN },
    expected: 'expected 32 hexadecimal characters',
    bundled: 'account-id: expected 32 hexadecimal characters',
  },
  { input: 'server-id', inputs: { 'server-id': undefined }, expected: 'required' },
  { input: 'server-id', inputs: { 'server-id': ' , \n' }, expected: 'required' },
  { input: 'server-id', inputs: { 'server-id': '..' }, expected: 'expected an id, not ".."' },
  {
    input: 'server-id',
    inputs: { 'server-id': 'x'.repeat(33) },
    expected: 'expected at most 32 characters, got 33',
  },
  {
    input: 'server-id',
    inputs: { 'server-id': 'docs mcp' },
    expected: 'expected no whitespace or control characters',
  },
  {
    input: 'server-id',
    inputs: { 'server-id': `*,${SERVER_ID}` },
    expected: 'cannot be combined',
  },
  {
    input: 'api-token',
    inputs: { 'api-token': undefined },
    expected: 'no credentials given',
    bundled: 'api-token: no credentials given',
  },
  {
    input: 'api-token',
    inputs: { 'api-token': PASTED_TOKEN },
    expected: 'expected a Cloudflare API token',
  },
  {
    input: 'api-key',
    inputs: { 'api-token': undefined, 'api-email': EMAIL },
    expected: 'required with api-email',
  },
  {
    input: 'api-email',
    inputs: { 'api-token': undefined, 'api-key': API_KEY },
    expected: 'required with api-key',
  },
  {
    input: 'api-email',
    inputs: { 'api-token': undefined, 'api-email': 'not-an-email', 'api-key': API_KEY },
    expected: 'expected the email address',
  },
  {
    input: 'max-attempts',
    inputs: { 'max-attempts': '0' },
    expected: 'got "0"',
    bundled: 'max-attempts: expected a whole number from 1 to 100, got "0"',
  },
  { input: 'max-attempts', inputs: { 'max-attempts': '101' }, expected: 'from 1 to 100' },
  { input: 'max-attempts', inputs: { 'max-attempts': '2.5' }, expected: 'whole number' },
  { input: 'base-delay-seconds', inputs: { 'base-delay-seconds': '-1' }, expected: 'got "-1"' },
  {
    input: 'max-delay-seconds',
    inputs: { 'base-delay-seconds': '2', 'max-delay-seconds': '1' },
    expected: 'expected at least base-delay-seconds',
  },
  { input: 'timeout-seconds', inputs: { 'timeout-seconds': '0' }, expected: 'more than 0' },
  {
    input: 'request-timeout-seconds',
    inputs: { 'request-timeout-seconds': 'thirty' },
    expected: 'got "thirty"',
  },
  { input: 'concurrency', inputs: { concurrency: '0' }, expected: 'from 1 to 64' },
  {
    input: 'api-base-url',
    inputs: { 'api-base-url': 'http://api.example.com/client/v4' },
    expected: 'plain http:// is allowed only for loopback hosts',
    bundled: 'api-base-url: expected https://',
  },
  {
    input: 'api-base-url',
    inputs: { 'api-base-url': 'https://user:pw@api.cloudflare.com/client/v4' },
    expected: 'no user name or password',
  },
  { input: 'api-base-url', inputs: { 'api-base-url': 'not a url' }, expected: 'https://' },
];

/**
 * Asserts a step failed on a bad input before any request: exit 1, the error outputs, one
 * `::error::` annotation and the summary line, all saying what the case expects.
 */
export function expectInputError(
  run: OneServerRun,
  fake: FakeCloudflareApi,
  { input, expected, bundled }: InputErrorCase,
): void {
  expect(run.exitCode).toBe(1);
  expect(run.outputs).toEqual({
    status: 'error',
    error: expect.stringContaining(expected),
    'error-details': '',
    retryable: '',
    attempts: '0',
    results: '[]',
  });
  if (bundled !== undefined) expect(run.outputs.error).toContain(bundled);
  expect(run.outputs.error?.startsWith(`${input}: `)).toBe(true);
  expect(annotations(run, 'error')).toEqual([`::error::${run.outputs.error}`]);
  expect(decodeHtml(run.summary)).toContain(`❌ ${run.outputs.error}`);
  expect(fake.requests).toHaveLength(0);
}
