// Shared by the two one-server layers, run() in-process (single-run) and the bundled action
// (single-dist): the cases they share, and the assertions both make about a run.
import { expect } from '@jest/globals';
import type { FakeCloudflareApi } from '../../scripts/fake-cloudflare-api.js';
import type { ResultJson } from '../../scripts/run-action.js';
import {
  API_KEY,
  EMAIL,
  NO_CHANGES,
  PROMPTS,
  RAY_ID,
  SERVER_ID,
  SUMMARY_COLUMNS,
  TOKEN,
  TOOLS,
  annotations,
  attemptLines,
  expectDurationWithin,
  onlyResult,
  serverRow,
  summaryParagraphs,
  summaryRows,
  timeCell,
  type Observed,
} from './harness.js';

/**
 * A run of either layer. `durationMs` is the run's wall time as its own clock saw it: what no
 * `duration_ms` may exceed.
 */
export type OneServerRun = Observed & { exitCode: number | null; durationMs: number };

/**
 * Asserts the single result's `duration_ms` is one the run could have spent, and that the summary
 * row shows that duration; returns the result.
 */
export function expectTimed(run: OneServerRun): ResultJson {
  const result = onlyResult(run);
  expectDurationWithin(result.duration_ms, run.durationMs);
  expect(serverRow(run.summary)[3]).toBe(timeCell(result.duration_ms));
  return result;
}

/**
 * Asserts a synced server: exit 0, status ready, no error outputs or annotations. `answered`: what
 * the last sync attempt answered (`waiting` for a server the watch then saw ready).
 */
export function expectSynced(run: OneServerRun, attempts: number, answered = 'ready'): void {
  // Outputs first: on a failure, their diff shows the action's error message.
  expect(run.outputs).toMatchObject({
    status: 'ready',
    error: '',
    'error-details': '',
    retryable: '',
    attempts: String(attempts),
    'breaking-changes': '',
  });
  expect(run.exitCode).toBe(0);
  expect(annotations(run, 'error')).toEqual([]);
  expect(attemptLines(run)).toHaveLength(attempts);
  expect(attemptLines(run).at(-1)).toMatch(
    new RegExp(`^sync ${SERVER_ID}: attempt ${attempts}/\\d+: HTTP 200 .*, ${answered}$`),
  );
  expect(serverRow(run.summary).slice(1, 3)).toEqual(['✅ ready', String(attempts)]);
  expectTimed(run);
}

/**
 * Asserts a server synced as ready at the first of 3 attempts, with the fake's cf-ray and nothing
 * changed: the result in full, the attempt line, the summary's verdict and row.
 */
export function expectSyncedAtOnce(run: OneServerRun): void {
  expectSynced(run, 1);
  const result = onlyResult(run);
  expect(result).toEqual({
    server_id: SERVER_ID,
    status: 'ready',
    authentication_status: 'not_required',
    error: null,
    error_details: null,
    attempts: 1,
    duration_ms: result.duration_ms,
    tools: TOOLS,
    prompts: PROMPTS,
    changes: NO_CHANGES,
    ray_id: RAY_ID,
  });
  expect(attemptLines(run)).toEqual([
    `sync ${SERVER_ID}: attempt 1/3: HTTP 200 [cf-ray ${RAY_ID}], ready`,
  ]);
  expect(summaryParagraphs(run.summary)).toEqual([
    '✅ the MCP server synced and ready\n✅ 1 ready — no capability changes, no breaking change',
  ]);
  expect(summaryRows(run.summary)).toEqual([
    SUMMARY_COLUMNS,
    [
      SERVER_ID,
      '✅ ready',
      '1',
      timeCell(result.duration_ms),
      String(TOOLS.length),
      String(PROMPTS.length),
      '',
      '',
    ],
  ]);
}

// ---------------------------------------------------------------------------------------------
// Bad inputs: the step fails before any request

/** A token pasted with words after it; the run may ask the runner to mask it as given. */
export const PASTED_TOKEN = `${TOKEN} trailing-words`;

/** How an id error explains Cloudflare's rule. */
const ID_RULE =
  "an id is 1–32 lowercase letters, digits and _, with single - between them (like docs-mcp); it is the id shown in the server's details in the Cloudflare dashboard, not its display name";

export interface InputErrorCase {
  /** What is wrong, for the test's name. */
  wrong: string;
  /** Inputs on top of the defaults; `undefined` leaves a default input out. */
  inputs: Record<string, string | undefined>;
  /** The whole error message. */
  expected: string;
  /** Also run against the bundled action. */
  bundled?: true;
}

export const INPUT_ERROR_CASES: readonly InputErrorCase[] = [
  {
    wrong: 'account-id missing',
    inputs: { 'account-id': undefined },
    expected: 'account-id: required (or set CLOUDFLARE_ACCOUNT_ID)',
  },
  {
    wrong: 'account-id too short',
    inputs: { 'account-id': 'abc123' },
    expected: 'account-id: expected 32 hexadecimal characters, got 6 characters',
  },
  {
    // A secret pasted into the wrong input must not be echoed.
    wrong: 'a token pasted as account-id',
    inputs: { 'account-id': TOKEN },
    expected: `account-id: expected 32 hexadecimal characters, got ${TOKEN.length} characters`,
    bundled: true,
  },
  {
    wrong: 'server-id and portal-id missing',
    inputs: { 'server-id': undefined },
    expected:
      'server-id: required (or portal-id), but it is empty; when it comes from an expression such as ${{ steps.deploy.outputs.server-id }} or ${{ vars.MCP_SERVER_ID }}, that output or variable is not set',
  },
  {
    wrong: 'server-id only separators',
    inputs: { 'server-id': ' , \n' },
    expected:
      'server-id: required (or portal-id), but it is only separators; when it comes from an expression such as ${{ steps.deploy.outputs.server-id }} or ${{ vars.MCP_SERVER_ID }}, that output or variable is not set',
  },
  {
    wrong: 'server-id ..',
    inputs: { 'server-id': '..' },
    expected: `server-id: ".." is not an id: ${ID_RULE}`,
  },
  {
    wrong: 'server-id of 33 characters',
    inputs: { 'server-id': 'x'.repeat(33) },
    expected: `server-id: "${'x'.repeat(33)}" is 33 characters long, not an id: ${ID_RULE}`,
  },
  {
    wrong: 'server-id with a space',
    inputs: { 'server-id': 'docs mcp' },
    expected: `server-id: "docs mcp" is not an id: ${ID_RULE}`,
  },
  {
    wrong: 'server-id a display name',
    inputs: { 'server-id': 'Docs MCP' },
    expected: `server-id: "Docs MCP" is not an id: ${ID_RULE}`,
    bundled: true,
  },
  {
    wrong: 'server-id with a dot',
    inputs: { 'server-id': 'My.Server' },
    expected: `server-id: "My.Server" is not an id: ${ID_RULE}`,
  },
  {
    wrong: 'server-id as a list item',
    inputs: { 'server-id': '- docs-mcp' },
    expected: `server-id: "- docs-mcp" is not an id: ${ID_RULE}`,
  },
  {
    wrong: 'server-id * with an id',
    inputs: { 'server-id': `*,${SERVER_ID}` },
    expected: 'server-id: * (every server) cannot be combined with ids',
  },
  {
    wrong: 'portal-id not an id',
    inputs: { 'portal-id': 'Docs Portal' },
    expected: `portal-id: "Docs Portal" is not an id: ${ID_RULE}`,
  },
  {
    wrong: 'two portal-ids',
    inputs: { 'portal-id': 'docs-portal,ops-portal' },
    expected: 'portal-id: expected one MCP portal id, got 2',
  },
  {
    wrong: 'no credentials',
    inputs: { 'api-token': undefined },
    expected:
      'api-token: no credentials given: set api-token (or CLOUDFLARE_API_TOKEN), or api-email with api-key',
    bundled: true,
  },
  {
    wrong: 'a token with words after it',
    inputs: { 'api-token': PASTED_TOKEN },
    expected:
      'api-token: expected a Cloudflare API token (printable characters, no spaces), from the api-token input',
  },
  {
    wrong: 'api-email without api-key',
    inputs: { 'api-token': undefined, 'api-email': EMAIL },
    expected: 'api-key: required with api-email (or set api-token instead)',
  },
  {
    wrong: 'api-key without api-email',
    inputs: { 'api-token': undefined, 'api-key': API_KEY },
    expected: 'api-email: required with api-key (or set api-token instead)',
  },
  {
    wrong: 'api-email not an address',
    inputs: { 'api-token': undefined, 'api-email': 'not-an-email', 'api-key': API_KEY },
    expected: 'api-email: expected the email address of the Cloudflare account',
  },
  {
    wrong: "wrangler-action's apiToken",
    inputs: { apiToken: TOKEN },
    expected:
      'api-token: this action has no input named "apitoken" (the spelling wrangler-action uses); name it api-token',
  },
  {
    wrong: 'max-attempts 0',
    inputs: { 'max-attempts': '0' },
    expected: 'max-attempts: expected a whole number from 1 to 100, got "0"',
    bundled: true,
  },
  {
    wrong: 'max-attempts 101',
    inputs: { 'max-attempts': '101' },
    expected: 'max-attempts: expected a whole number from 1 to 100, got "101"',
  },
  {
    wrong: 'max-attempts 2.5',
    inputs: { 'max-attempts': '2.5' },
    expected: 'max-attempts: expected a whole number from 1 to 100, got "2.5"',
  },
  {
    wrong: 'base-delay-seconds -1',
    inputs: { 'base-delay-seconds': '-1' },
    expected: 'base-delay-seconds: expected a number of seconds from 0 up to 21600, got "-1"',
  },
  {
    wrong: 'max-delay-seconds under base-delay-seconds',
    inputs: { 'base-delay-seconds': '2', 'max-delay-seconds': '1' },
    expected: 'max-delay-seconds: expected at least base-delay-seconds (2), got 1',
  },
  {
    wrong: 'timeout-seconds 0',
    inputs: { 'timeout-seconds': '0' },
    expected: 'timeout-seconds: expected a number of seconds more than 0 up to 21600, got "0"',
  },
  {
    wrong: 'request-timeout-seconds in words',
    inputs: { 'request-timeout-seconds': 'thirty' },
    expected:
      'request-timeout-seconds: expected a number of seconds more than 0 up to 21600, got "thirty"',
  },
  {
    wrong: 'concurrency 0',
    inputs: { concurrency: '0' },
    expected: 'concurrency: expected a whole number from 1 to 64, got "0"',
  },
  {
    wrong: 'wait-for-ready yes',
    inputs: { 'wait-for-ready': 'yes' },
    expected: 'wait-for-ready: expected true or false, got "yes"',
  },
  {
    wrong: 'dry-run 1',
    inputs: { 'dry-run': '1' },
    expected: 'dry-run: expected true or false, got "1"',
  },
  {
    wrong: 'on-breaking-change error',
    inputs: { 'on-breaking-change': 'error' },
    expected: 'on-breaking-change: expected warn, fail or ignore, got "error"',
  },
  {
    wrong: 'api-base-url plain http:// to another host',
    inputs: { 'api-base-url': 'http://api.example.com/client/v4' },
    expected: 'api-base-url: expected https://; plain http:// is allowed only for loopback hosts',
    bundled: true,
  },
  {
    wrong: 'api-base-url plain http:// to a name that starts like loopback',
    inputs: { 'api-base-url': 'http://127.0.0.1.nip.io/client/v4' },
    expected: 'api-base-url: expected https://; plain http:// is allowed only for loopback hosts',
  },
  {
    wrong: 'api-base-url with a password',
    inputs: { 'api-base-url': 'https://user:pw@api.cloudflare.com/client/v4' },
    expected: 'api-base-url: expected no user name or password in the URL',
  },
  {
    wrong: 'api-base-url not a URL',
    inputs: { 'api-base-url': 'not a url' },
    expected: 'api-base-url: expected an https:// URL, got "not a url"',
  },
];

/**
 * Asserts a step failed on a bad input before any request: exit 1, every output (the error in
 * full), an empty results-file, one `::error::` annotation and the summary, all saying exactly
 * what the case expects.
 */
export function expectInputError(
  run: Observed & { exitCode: number | null },
  fake: FakeCloudflareApi,
  { expected }: InputErrorCase,
): void {
  expect(run.outputs).toEqual({
    status: 'error',
    error: expected,
    'error-details': '',
    retryable: '',
    attempts: '0',
    'breaking-changes': '',
    results: '[]',
    'results-file': expect.stringMatching(/results\.json$/),
  });
  expect(run.exitCode).toBe(1);
  expect(run.resultsFile).toBe('[]');
  expect(annotations(run, 'error')).toEqual([`::error::${expected}`]);
  expect(annotations(run, 'warning')).toEqual([]);
  expect(summaryParagraphs(run.summary)).toEqual([`❌ ${expected}`]);
  expect(summaryRows(run.summary)).toEqual([]);
  expect(fake.requests).toHaveLength(0);
}
