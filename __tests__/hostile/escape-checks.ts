// What must hold after ANY run, however hostile the API was: no credential escaped, no workflow
// command was smuggled into the log, the outputs keep their shapes, the job summary holds only the
// action's own markup, and every request stayed inside the MCP servers path of the account.
import { expect } from '@jest/globals';
import type { RecordedRequest } from '../../scripts/fake-cloudflare-api.js';
import {
  SECRETS,
  SERVERS_PATH,
  annotationMessage,
  expectNoCredentialLeak,
  type Observed,
} from '../support/harness.js';

/** A run of the bundled action or of run() in-process, with the results-file it wrote, if read. */
export type ContainedRun = Observed & { resultsFile?: string };

/** `::add-mask::` values a run may print besides the credentials: a pasted `Bearer <token>`. */
const ALSO_MASKED = SECRETS.map((secret) => `Bearer ${secret}`);

// Every line the action itself writes to stdout starts like one of these. Anything else at the
// start of a line came from somewhere else.
const ACTION_LINE = new RegExp(
  [
    '^$',
    '^::add-mask::',
    '^::(error|warning|notice)( title=[^:]*)?::',
    '^::debug::',
    '^credentials: (API token|Global API Key) from the [A-Za-z_ -]+ (inputs?|variables?)$',
    '^(sync|read|read portal) \\S+: (attempt \\d+/\\d+: |not sent, |not sent: )',
    '^list servers page \\d+: (attempt \\d+/\\d+: |not sent, )',
    '^found \\d+ MCP server\\(s\\) in the account$',
    // What a sync changed: `id: tools +a -b; prompts ~c`, `id: breaking: …`.
    '^[a-z0-9_-]+: ((tools|prompts) [+~−-]|breaking: )',
  ].join('|'),
);

/** Everything that ends a line for the runner, a terminal or the log viewer. */
const LINE_BREAK = /\r\n|[\n\r\v\f\u0085\u2028\u2029]/;

/** Control characters (ESC, BEL, tab…) and bidi overrides/isolates that reorder what is shown. */
const UNSAFE_CHARACTER = /[\p{Cc}\u202a-\u202e\u2066-\u2069]/u;

const OUTPUT_NAMES = [
  'status',
  'error',
  'error-details',
  'retryable',
  'attempts',
  'breaking-changes',
  'results',
  'results-file',
];
const ERROR_DETAIL_TYPES: Record<string, string> = {
  cause: 'string',
  is_upstream: 'boolean',
  mcp_code: 'number',
  retryable: 'boolean',
  status_code: 'number',
};
const SUMMARY_TAGS = new Set([
  'h2',
  'p',
  'br',
  'strong',
  'code',
  'ul',
  'li',
  'table',
  'tr',
  'th',
  'td',
  'details',
  'summary',
]);

/** Describes a character by its code point, for failure messages. */
function codePoints(text: string): string {
  return [...text].map((c) => `U+${c.codePointAt(0)?.toString(16).padStart(4, '0')}`).join(' ');
}

/**
 * No smuggled workflow command or line: stdout lines are all the action's own, none carries the
 * runner's legacy `##[command]` syntax (recognised anywhere in a line) or a terminal/bidi
 * control; annotation messages stay on one line; outputs keep their contract shapes; the summary
 * holds only the action's own tags.
 */
export function expectNoInjection(run: ContainedRun): void {
  const problems: string[] = [];
  const stdoutLines = run.stdout.split(LINE_BREAK);
  for (const line of stdoutLines) {
    if (!ACTION_LINE.test(line))
      problems.push(`stdout line not the action's own: ${line.slice(0, 200)}`);
    // A line the runner reads as a `::command::` is never searched for `##[` as well.
    if (!/^::[a-z-]+[ :]/.test(line) && line.includes('##[')) {
      problems.push(`stdout line with a ##[ command: ${line.slice(0, 200)}`);
    }
    const unsafe = UNSAFE_CHARACTER.exec(line);
    if (unsafe !== null) {
      problems.push(`stdout control character ${codePoints(unsafe[0])} in: ${line.slice(0, 200)}`);
    }
    if (/^::(error|warning|notice)/.test(line) && LINE_BREAK.test(annotationMessage(line))) {
      problems.push(`annotation spans lines: ${line.slice(0, 200)}`);
    }
  }
  // The runner parses stderr for commands just like stdout.
  const stderr = run.stderr ?? '';
  if (/^\s*::|##\[/m.test(stderr)) {
    problems.push(`stderr holds a workflow command: ${stderr.slice(0, 200)}`);
  }

  const { outputs } = run;
  const extra = Object.keys(outputs).filter((name) => !OUTPUT_NAMES.includes(name));
  if (extra.length > 0) problems.push(`outputs the action does not declare: ${extra.join(', ')}`);
  if (!['ready', 'waiting', 'stale', 'error'].includes(outputs.status ?? '')) {
    problems.push(`status output: ${outputs.status}`);
  }
  if (!['', 'true', 'false'].includes(outputs.retryable ?? '')) {
    problems.push(`retryable output: ${outputs.retryable}`);
  }
  if (!/^\d+$/.test(outputs.attempts ?? '')) problems.push(`attempts output: ${outputs.attempts}`);
  for (const line of (outputs.error ?? '').split('\n')) {
    if (LINE_BREAK.test(line) || UNSAFE_CHARACTER.test(line)) {
      problems.push(
        `error output line with a control character: ${codePoints(line).slice(0, 200)}`,
      );
    }
  }
  const details = outputs['error-details'] ?? '';
  if (details !== '') {
    const parsed = JSON.parse(details) as Record<string, unknown>;
    for (const [key, value] of Object.entries(parsed)) {
      if (ERROR_DETAIL_TYPES[key] !== typeof value)
        problems.push(`error-details.${key}: ${details}`);
    }
  }
  if (!Array.isArray(JSON.parse(outputs.results ?? 'null'))) problems.push('results: not an array');
  if (run.resultsFile !== undefined && run.resultsFile !== '') {
    if (!Array.isArray(JSON.parse(run.resultsFile))) problems.push('results-file: not an array');
  }
  for (const line of (outputs['breaking-changes'] ?? '').split('\n')) {
    if (UNSAFE_CHARACTER.test(line)) {
      problems.push(`breaking-changes line with a control character: ${codePoints(line)}`);
    }
  }

  for (const [, tag] of run.summary.matchAll(/<\/?([A-Za-z][A-Za-z0-9-]*)/g)) {
    if (!SUMMARY_TAGS.has((tag ?? '').toLowerCase())) problems.push(`summary tag <${tag}>`);
  }
  for (const raw of ['<script', '<img', '](', 'javascript:']) {
    if (run.summary.toLowerCase().includes(raw)) problems.push(`summary holds raw ${raw}`);
  }
  expect(problems).toEqual([]);
}

/**
 * Every request went to the servers path of the account: the list (`?page=N&per_page=100`),
 * `GET …/servers/{id}` or `POST …/servers/{id}/sync`, with the id percent-encoded into exactly
 * one segment that URL resolution cannot turn into `.` or `..`.
 */
export function expectRequestsInside(requests: readonly RecordedRequest[]): void {
  const outside = requests.filter((request) => !insideServersPath(request));
  expect(outside.map((request) => `${request.method} ${request.url}`)).toEqual([]);
}

function insideServersPath({ method, url }: RecordedRequest): boolean {
  const [path = '', query] = url.split('?', 2);
  if (path === SERVERS_PATH) return method === 'GET' && /^page=\d+&per_page=100$/.test(query ?? '');
  if (query !== undefined || !path.startsWith(`${SERVERS_PATH}/`)) return false;
  const [segment = '', ...rest] = path.slice(SERVERS_PATH.length + 1).split('/');
  const shape =
    (method === 'GET' && rest.length === 0) ||
    (method === 'POST' && rest.length === 1 && rest[0] === 'sync');
  return shape && isOneSegment(segment);
}

/** A percent-encoded path segment that stays one segment, and not a dot segment. */
export function isOneSegment(segment: string): boolean {
  if (!/^(?:[A-Za-z0-9\-_.!~*'()]|%[0-9A-F]{2})+$/.test(segment)) return false;
  const dots = segment.replace(/%2e/gi, '.');
  return dots !== '.' && dots !== '..';
}

/**
 * All of the above, for one run and the requests it made (a fake holds them): no credential
 * anywhere the user can read (harness.ts), no injection, every request inside the servers path.
 */
export function expectContained(
  run: ContainedRun,
  api: { readonly requests: readonly RecordedRequest[] },
): void {
  expectNoCredentialLeak(run, ALSO_MASKED);
  expectNoCredentialLeak({
    stdout: '',
    outputs: { 'results-file': run.resultsFile ?? '' },
    summary: '',
  });
  expectNoInjection(run);
  expectRequestsInside(api.requests);
}
