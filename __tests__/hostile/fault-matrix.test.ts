// A hostile or broken API, table-driven, against the bundled action. Every case checks four
// things: the exit status; the outputs (status, error, retryable, attempts); the number of
// requests the fake received, all inside the account's MCP servers path; and that no credential
// and no workflow command escaped (escape-checks.ts).
import { MAX_LIST_PAGES } from '../../src/readings/server-list.js';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  apiError,
  upstreamFailure,
  type FakeApiOptions,
  type FakeServer,
  type RecordedRequest,
  type ScriptedReply,
} from '../../scripts/fake-cloudflare-api.js';
import type { ActionRun } from '../../scripts/run-action.js';
import {
  API_KEY,
  EMAIL,
  SERVERS_PATH,
  TOKEN,
  annotations,
  envelope,
  listPage,
  logLines,
  pageOf,
  replyTo,
  resultsOf,
  runAgainst,
  startFake,
  synced,
} from '../support/harness.js';
import { expectContained } from './escape-checks.js';

/** The server every case syncs unless it says otherwise. */
const SERVER: FakeServer = { id: 'srv', tools: ['search'], prompts: [] };

/** Inputs of every case on top of the base inputs (TOKEN among them): two attempts. */
const CASE_INPUTS = {
  'server-id': SERVER.id,
  'max-attempts': '2',
  'request-timeout-seconds': '2',
  'timeout-seconds': '20',
};

interface Context {
  /** API root of a second fake on another origin: a redirect target that must stay unused. */
  elsewhere: string;
}

interface Expected {
  exitCode: 0 | 1;
  status: 'ready' | 'waiting' | 'stale' | 'error';
  /** The error output: equal to a string, or matching a pattern. */
  error: string | RegExp;
  retryable: '' | 'true' | 'false';
  attempts: number;
  /** Requests the fake received. */
  requests: number;
}

interface FaultCase {
  name: string;
  /** Successive replies to the syncs of `srv`; once used up, syncs succeed as ready. */
  sync?: ScriptedReply[];
  /** Answers requests in place of the fake's own routes, where it returns a reply. */
  intercept?: (request: RecordedRequest, context: Context) => ScriptedReply | undefined;
  servers?: FakeServer[];
  fake?: Omit<FakeApiOptions, 'servers' | 'intercept'>;
  inputs?: Record<string, string>;
  expected: Expected;
  /** Anything else this case must show. */
  also?: (run: ActionRun, requests: readonly RecordedRequest[]) => void;
}

// ---------------------------------------------------------------------------------------------
// Hostile text, delivered as the upstream's `result.error` (HTTP 200) and as the API's own
// `errors[].message` (HTTP 400). `shown` is what the error output keeps of it.

const HOSTILE_TEXTS: { name: string; text: string; shown: string }[] = [
  {
    name: 'a set-output command on its own line',
    text: 'boom\n::set-output name=status::ready\n',
    shown: 'boom ::set-output name=status::ready',
  },
  { name: 'an add-mask command', text: '::add-mask::x', shown: '::add-mask::x' },
  { name: 'an encoded newline', text: 'x%0A::error::pwned', shown: 'x%0A::error::pwned' },
  {
    name: 'carriage returns',
    text: 'ok\r::error::pwned\r\n::warning::again',
    shown: 'ok ::error::pwned ::warning::again',
  },
  {
    name: 'Unicode line and paragraph separators',
    text: 'a\u2028::error::pwned\u2029b\u0085c',
    shown: 'a ::error::pwned b c',
  },
  {
    name: 'ANSI escapes',
    text: '\u001b[2K\u001b[31mFAKE PASS\u001b[0m \u001b]8;;https://evil\u0007link',
    shown: '[2K [31mFAKE PASS [0m ]8;;https://evil link',
  },
  {
    name: 'bidi overrides',
    text: 'abc\u202eexe.txt \u2066iso\u2069',
    shown: 'abc exe.txt iso',
  },
  { name: '10 KB of text', text: 'A'.repeat(10 * 1024), shown: 'A'.repeat(400) },
  {
    name: 'HTML',
    text: '<img src=x onerror=alert(1)><script>alert(1)</script>',
    shown: '<img src=x onerror=alert(1)><script>alert(1)</script>',
  },
  {
    name: 'a markdown image and link',
    text: '![x](https://evil/p.png) [click](javascript:alert(1))',
    shown: '![x](https://evil/p.png) [click](javascript:alert(1))',
  },
  {
    // The runner also parses `##[name props]data` ANYWHERE in a line (ActionCommand.TryParse).
    name: "the runner's legacy ##[ command syntax",
    text: 'x ##[set-output name=status;]ready ##[stop-commands]pwn',
    // The runner looks for `##[` anywhere in a line, so the action breaks it up everywhere.
    shown: 'x ## [set-output name=status;]ready ## [stop-commands]pwn',
  },
];

const hostileTextCases: FaultCase[] = HOSTILE_TEXTS.flatMap(({ name, text, shown }) => [
  {
    name: `upstream error with ${name}`,
    sync: [upstreamFailure(text, { retryable: false })],
    expected: {
      exitCode: 1,
      status: 'error',
      error: containing(shown),
      retryable: 'false',
      attempts: 1,
      requests: 1,
    },
  },
  {
    name: `API error message with ${name}`,
    sync: [apiError(400, 1001, text)],
    expected: {
      exitCode: 1,
      status: 'error',
      error: containing(`HTTP 400: ${shown}`),
      retryable: 'false',
      attempts: 1,
      requests: 1,
    },
  },
]);

// ---------------------------------------------------------------------------------------------
// Shapes of the body

const raw = (rawBody: string, status = 200): ScriptedReply => ({
  status,
  headers: { 'content-type': 'application/json' },
  rawBody,
});

const NOT_AN_ENVELOPE: { name: string; body: string }[] = [
  { name: 'an array', body: '[{"success":true,"result":{"status":"ready"}}]' },
  { name: 'a number', body: '42' },
  { name: 'null', body: 'null' },
  { name: 'a string', body: '"success"' },
  { name: 'true', body: 'true' },
  { name: 'an empty object', body: '{}' },
  { name: 'success as a string', body: '{"success":"yes","result":{"status":"ready"}}' },
  { name: 'success as a number', body: '{"success":1,"result":{"status":"ready"}}' },
  { name: 'nested garbage', body: '{"a":{"b":[[[{"c":null}]]],"success":{"ok":true}}}' },
  { name: 'arrays nested 100,000 deep', body: `${'['.repeat(100_000)}${']'.repeat(100_000)}` },
  { name: 'an empty body', body: '' },
  { name: 'truncated JSON', body: '{"success":true,"result":{"sta' },
];

const notAnEnvelopeCases: FaultCase[] = NOT_AN_ENVELOPE.map(({ name, body }) => ({
  name: `HTTP 200 with ${name} as body`,
  sync: [raw(body), raw(body)],
  expected: {
    exitCode: 1,
    status: 'error',
    error:
      'HTTP 200: body is not a Cloudflare API response (application/json) (gave up after 2 attempts: max-attempts (2) used up)',
    retryable: 'true',
    attempts: 2,
    requests: 2,
  },
}));

const envelopeShapeCases: FaultCase[] = [
  {
    name: 'error_details of the wrong types (retryable "true", mcp_code an object)',
    sync: [
      raw(
        JSON.stringify(
          envelope({
            status: 'error',
            error: 'typed wrong',
            error_details: {
              retryable: 'true',
              mcp_code: { code: -32001 },
              is_upstream: 'yes',
              status_code: '503',
              cause: 42,
            },
          }),
        ),
      ),
    ],
    expected: {
      exitCode: 1,
      status: 'error',
      error: 'typed wrong',
      retryable: 'false',
      attempts: 1,
      requests: 1,
    },
    also: (run) => expect(run.outputs['error-details']).toBe(''),
  },
  {
    name: 'a cause with newlines and commands',
    sync: [
      upstreamFailure('bad upstream', {
        retryable: false,
        cause: 'line1\n::error::pwned\r\n::set-output name=status::ready',
      }),
    ],
    expected: {
      exitCode: 1,
      status: 'error',
      error: 'bad upstream (cause: line1 ::error::pwned ::set-output name=status::ready)',
      retryable: 'false',
      attempts: 1,
      requests: 1,
    },
    also: (run) =>
      // The details carry the cause folded onto one line, as every text from the network, so a
      // later step that prints it cannot start a workflow command.
      expect(JSON.parse(run.outputs['error-details'] ?? '')).toMatchObject({
        cause: 'line1 ::error::pwned ::set-output name=status::ready',
      }),
  },
  {
    name: 'success false without a message on HTTP 200',
    sync: [raw('{"success":false}')],
    expected: {
      exitCode: 1,
      status: 'error',
      error: 'HTTP 200: the API reported failure without a message',
      retryable: 'false',
      attempts: 1,
      requests: 1,
    },
  },
  {
    name: 'success false with errors of the wrong types, marked retryable',
    sync: [
      raw('{"success":false,"errors":"nope","result":{"error_details":{"retryable":true}}}'),
      raw('{"success":false,"errors":[null,7,{"message":{}}],"result":[]}'),
    ],
    expected: {
      exitCode: 1,
      status: 'error',
      error: 'HTTP 200: the API reported failure without a message',
      retryable: 'false',
      attempts: 2,
      requests: 2,
    },
  },
  {
    // Pins today's leniency: a success envelope with an unusable result counts as ready.
    name: 'success true with a garbage result',
    sync: [raw('{"success":true,"result":{"status":{"$ne":1},"error":["x"],"error_details":"s"}}')],
    expected: { exitCode: 0, status: 'ready', error: '', retryable: '', attempts: 1, requests: 2 },
  },
];

// ---------------------------------------------------------------------------------------------
// Bodies over the 4 MiB cap

const SIX_MIB = 6 * 1024 * 1024;
const hugeEnvelope = `{"success":true,"result":{"status":"ready"},"pad":"${'x'.repeat(SIX_MIB)}"}`;

const bodyCapCases: FaultCase[] = [
  {
    name: 'a 6 MiB body (declared in content-length)',
    sync: [
      { status: 200, rawBody: hugeEnvelope },
      { status: 200, rawBody: hugeEnvelope },
    ],
    expected: {
      exitCode: 1,
      status: 'error',
      error:
        'HTTP 200: body larger than 4 MiB, not read (gave up after 2 attempts: max-attempts (2) used up)',
      retryable: 'true',
      attempts: 2,
      requests: 2,
    },
  },
  {
    name: 'a 6 MiB body behind a content-length of 64',
    intercept: (request) =>
      request.kind === 'sync'
        ? {
            status: 200,
            headers: { 'content-length': '64', 'content-type': 'application/json' },
            rawBody: hugeEnvelope,
          }
        : undefined,
    expected: {
      exitCode: 1,
      status: 'error',
      error: /^HTTP 200: body is not a Cloudflare API response .*\(gave up after 2 attempts/,
      retryable: 'true',
      attempts: 2,
      requests: 2,
    },
  },
];

// ---------------------------------------------------------------------------------------------
// Hostile server ids and endless paging of the list endpoint

const HOSTILE_IDS = ['../../../zones', 'a/b', '%2e%2e', '::stop-commands::x', 'ok-1'];
const INVALID_ENTRIES: unknown[] = [
  { id: 'x\ny' },
  { id: 'tab\there' },
  { id: 'z'.repeat(1000) },
  { id: 42 },
  { id: ['ok-1'] },
  { id: null },
  null,
  'ok-1',
  {},
  { id: '' },
  { id: '.' },
  { id: '..' },
];
const hostileListPage = listPage([
  ...HOSTILE_IDS.map((id) => ({ id, tools: [] })),
  ...INVALID_ENTRIES,
  { id: 'ok-1', tools: ['duplicate'] },
]);

/** A list endpoint whose every page is new and full, and whose result_info promises more. */
function endlessPages(perPage: number): (request: RecordedRequest) => ScriptedReply | undefined {
  return (request) => {
    if (request.kind !== 'list') return undefined;
    const page = pageOf(request);
    const items = Array.from({ length: perPage }, (_, i) => ({ id: `p${page}-${i}` }));
    return listPage(items, {
      page,
      per_page: perPage,
      count: perPage,
      total_count: 1e9,
      total_pages: 1e7,
    });
  };
}

/** A list of `first` on page 1, then an empty page. */
const firstPageOnly =
  (first: ScriptedReply) =>
  (request: RecordedRequest): ScriptedReply | undefined =>
    request.kind === 'list' ? (pageOf(request) === 1 ? first : listPage([])) : undefined;

/** Syncs of servers the fake does not hold: answered ready. */
const readyForAnyone = replyTo('sync', synced());

const listCases: FaultCase[] = [
  {
    name: 'a list of hostile and invalid ids: valid ones synced once, each in one segment',
    servers: HOSTILE_IDS.map((id) => ({ id })),
    intercept: firstPageOnly(hostileListPage),
    inputs: { 'server-id': '*' },
    // pages 1 and 2 (empty), five syncs, then page 1 again for the tools
    expected: { exitCode: 0, status: 'ready', error: '', retryable: '', attempts: 5, requests: 8 },
    also: (run, requests) => {
      const syncs = requests.filter((request) => request.kind === 'sync');
      expect(syncs.map((request) => request.url).sort()).toEqual(
        HOSTILE_IDS.map((id) => `${SERVERS_PATH}/${encodeURIComponent(id)}/sync`).sort(),
      );
      expect(syncs.map((request) => request.serverId).sort()).toEqual([...HOSTILE_IDS].sort());
      expect(annotations(run, 'warning')).toContain(
        `::warning::ignored ${INVALID_ENTRIES.length} entries of the server list without a valid id`,
      );
    },
  },
  {
    name: 'a list that pages forever with fresh full pages (server-id: *)',
    intercept: (request) => endlessPages(1)(request) ?? readyForAnyone(request),
    inputs: { 'server-id': '*', concurrency: '16' },
    // The page cap to find the servers, a sync each, the page cap again to read their tools
    expected: {
      exitCode: 0,
      status: 'ready',
      error: '',
      retryable: '',
      attempts: MAX_LIST_PAGES,
      requests: 3 * MAX_LIST_PAGES,
    },
    also: (run) =>
      expect(annotations(run, 'warning')).toContain(
        `::warning::stopped listing MCP servers after ${MAX_LIST_PAGES} pages`,
      ),
  },
  {
    name: 'a list that pages forever with 100 fresh servers a page, none of them synced',
    servers: [{ id: 'a' }, { id: 'b' }],
    intercept: endlessPages(100),
    inputs: { 'server-id': 'a,b' },
    expected: {
      exitCode: 0,
      status: 'ready',
      error: '',
      retryable: '',
      attempts: 2,
      requests: 2 + MAX_LIST_PAGES,
    },
    also: (run) =>
      expect(annotations(run, 'warning')).toEqual([
        `::warning::stopped listing MCP servers after ${MAX_LIST_PAGES} pages`,
        '::warning::tools and prompts unknown for 2 server(s) missing from the server list',
      ]),
  },
  {
    name: 'a list that repeats the same page forever',
    servers: [{ id: 'a' }, { id: 'b' }],
    intercept: replyTo(
      'list',
      listPage([{ id: 'a' }, { id: 'b' }], { per_page: 2, total_count: 1e6, total_pages: 5e5 }),
    ),
    inputs: { 'server-id': '*' },
    // page 1, page 2 (nothing new: stop), two syncs, page 1 for the tools
    expected: { exitCode: 0, status: 'ready', error: '', retryable: '', attempts: 2, requests: 5 },
  },
  {
    name: 'a list whose result is not a list',
    intercept: replyTo('list', { status: 200, body: envelope({ id: 'srv' }) }),
    inputs: { 'server-id': '*' },
    expected: {
      exitCode: 1,
      status: 'error',
      error: 'could not list MCP servers (page 1): the result is not a list',
      retryable: '',
      attempts: 0,
      requests: 1,
    },
  },
];

// ---------------------------------------------------------------------------------------------
// Hostile tool and prompt names: they reach the results output as inert data, nothing else

const HOSTILE_NAMES = [
  '<img src=x onerror=alert(1)>',
  'line\n::error::pwned',
  '![x](https://evil/p.png)',
  'x ##[stop-commands]pwn',
  '\u202egnp.exe',
  'javascript:alert(1)',
];
const hostileNamesServer = (id: string): FakeServer => ({
  id,
  tools: ['search', ...HOSTILE_NAMES],
  prompts: HOSTILE_NAMES,
});
/** The names as `results` carries them: each folded onto one line, bidi overrides and `##[` defused. */
const SHOWN_NAMES = [
  '<img src=x onerror=alert(1)>',
  'line ::error::pwned',
  '![x](https://evil/p.png)',
  'x ## [stop-commands]pwn',
  'gnp.exe',
  'javascript:alert(1)',
];
const expectNamesAsData = (run: ActionRun): void => {
  for (const result of resultsOf(run)) {
    expect(result.tools).toEqual(['search', ...SHOWN_NAMES]);
    expect(result.prompts).toEqual(SHOWN_NAMES);
  }
};

const capabilityCases: FaultCase[] = [
  {
    name: 'hostile tool and prompt names read for one server',
    servers: [hostileNamesServer('srv')],
    inputs: { 'expected-tools': 'search' },
    expected: { exitCode: 0, status: 'ready', error: '', retryable: '', attempts: 1, requests: 2 },
    also: expectNamesAsData,
  },
  {
    name: 'hostile tool and prompt names listed for several servers',
    servers: [hostileNamesServer('one'), hostileNamesServer('two')],
    inputs: { 'server-id': 'one,two', 'expected-tools': 'search' },
    expected: { exitCode: 0, status: 'ready', error: '', retryable: '', attempts: 2, requests: 3 },
    also: expectNamesAsData,
  },
];

// ---------------------------------------------------------------------------------------------
// Headers that steer waiting, statuses, redirects, connection faults

/** An error reply steered only by `headers`: the fake's own rate-limit headers are blanked. */
const busy = (headers: Record<string, string>, status = 503): ScriptedReply =>
  apiError(status, 1000, 'busy', { ratelimit: '', 'ratelimit-policy': '', ...headers });

const MALFORMED_WAIT_HEADERS: Record<string, string>[] = [
  { 'retry-after': '-5' },
  { 'retry-after': 'abc' },
  { 'retry-after': '1e3' },
  { 'retry-after': 'Thu, 01 Jan 1970 00:00:00 GMT' },
  { 'retry-after-ms': '-1', 'retry-after': '0x10' },
  { ratelimit: 'garbage' },
  { ratelimit: '"default";r=-1;t=x' },
  { ratelimit: '"default";r=0;t=-1, ;;;', 'ratelimit-policy': 'q=0;w=0' },
];

const headerCases: FaultCase[] = [
  ...MALFORMED_WAIT_HEADERS.flatMap((headers) =>
    [503, 429].map((status) => ({
      name: `HTTP ${status} with ${JSON.stringify(headers)}: ignored, backoff instead`,
      sync: [busy(headers, status), busy(headers, status)],
      expected: {
        exitCode: 1 as const,
        status: 'error' as const,
        error: `HTTP ${status}: busy (1000) (gave up after 2 attempts: max-attempts (2) used up)`,
        retryable: 'true' as const,
        attempts: 2,
        requests: 2,
      },
    })),
  ),
  ...[503, 429].map((status) => ({
    name: `HTTP ${status} with Retry-After: 99999999999: no wait past the deadline`,
    sync: [busy({ 'retry-after': '99999999999' }, status)],
    expected: {
      exitCode: 1 as const,
      status: 'error' as const,
      error: `HTTP ${status}: busy (1000) (gave up after 1 attempt: timeout-seconds (20 s) would pass during the next wait)`,
      retryable: 'true' as const,
      attempts: 1,
      requests: 1,
    },
  })),
];

const statusCases: FaultCase[] = [
  {
    name: 'HTTP 599',
    sync: [busy({}, 599), busy({}, 599)],
    expected: {
      exitCode: 1,
      status: 'error',
      error: 'HTTP 599: busy (1000) (gave up after 2 attempts: max-attempts (2) used up)',
      retryable: 'true',
      attempts: 2,
      requests: 2,
    },
  },
  ...[600, 700, 999].map((status) => ({
    name: `HTTP ${status}`,
    sync: [busy({}, status)],
    expected: {
      exitCode: 1 as const,
      status: 'error' as const,
      error: `HTTP ${status}: busy (1000)`,
      retryable: 'false' as const,
      attempts: 1,
      requests: 1,
    },
  })),
  ...[301, 302, 303, 307, 308].map((status) => ({
    name: `HTTP ${status} to another origin`,
    intercept: (request: RecordedRequest, { elsewhere }: Context): ScriptedReply | undefined =>
      request.kind === 'sync'
        ? {
            status,
            headers: { location: `${elsewhere}${request.url.replace(/^\/client\/v4/, '')}` },
            body: envelope({ status: 'ready' }),
          }
        : undefined,
    expected: {
      exitCode: 1 as const,
      status: 'error' as const,
      error: `HTTP ${status}: redirect not followed`,
      retryable: 'false' as const,
      attempts: 1,
      requests: 1,
    },
  })),
  ...(['reset', 'truncate', 'hang'] as const).map((fault) => ({
    name: `a connection fault: ${fault}`,
    sync: [{ fault }, { fault }],
    inputs: { 'request-timeout-seconds': '0.3' },
    expected: {
      exitCode: 1 as const,
      status: 'error' as const,
      error: /\(gave up after 2 attempts: max-attempts \(2\) used up\)$/,
      retryable: 'true' as const,
      attempts: 2,
      requests: 2,
    },
  })),
  {
    name: 'a hostile cf-ray header',
    sync: [{ ...busy({ 'cf-ray': '::set-output name=status::ready ##[stop-commands]pwn' }, 400) }],
    expected: {
      exitCode: 1,
      status: 'error',
      error: 'HTTP 400: busy (1000)',
      retryable: 'false',
      attempts: 1,
      requests: 1,
    },
  },
  {
    name: 'a hostile content-type on a body that is not an envelope',
    sync: [
      {
        status: 400,
        headers: { 'content-type': '<img src=x onerror=alert(1)>' },
        rawBody: '<html>',
      },
    ],
    expected: {
      exitCode: 1,
      status: 'error',
      error: 'HTTP 400: no Cloudflare API response in the body',
      retryable: 'false',
      attempts: 1,
      requests: 1,
    },
  },
];

// ---------------------------------------------------------------------------------------------
// Credentials: legacy auth, the API echoing them, input errors

const legacyAuth: Pick<FaultCase, 'fake' | 'inputs'> = {
  fake: { email: EMAIL, key: API_KEY },
  inputs: { 'api-token': '', 'api-email': EMAIL, 'api-key': API_KEY },
};

const credentialCases: FaultCase[] = [
  {
    name: 'legacy auth, synced',
    ...legacyAuth,
    expected: { exitCode: 0, status: 'ready', error: '', retryable: '', attempts: 1, requests: 2 },
    also: (run, requests) => {
      expect(logLines(run)).toContain(`::add-mask::${API_KEY}`);
      expect(requests.every((r) => r.headers['x-auth-key'] === API_KEY)).toBe(true);
      expect(requests.every((r) => r.headers.authorization === undefined)).toBe(true);
    },
  },
  {
    name: 'legacy auth, the API echoes the key in its error',
    ...legacyAuth,
    sync: [apiError(403, 10000, `Authentication error: key ${API_KEY} for ${EMAIL} refused`)],
    expected: {
      exitCode: 1,
      status: 'error',
      error: /^HTTP 403: Authentication error: key .* refused \(10000\)$/,
      retryable: 'false',
      attempts: 1,
      requests: 1,
    },
  },
  {
    name: 'the API echoes the token in errors[].message',
    sync: [apiError(403, 10000, `Authentication error: token ${TOKEN} is not valid`)],
    expected: {
      exitCode: 1,
      status: 'error',
      error: /^HTTP 403: Authentication error: token .* is not valid \(10000\)$/,
      retryable: 'false',
      attempts: 1,
      requests: 1,
    },
  },
  {
    name: 'the upstream echoes the bearer header in result.error',
    sync: [upstreamFailure(`upstream got Authorization: Bearer ${TOKEN}`, { retryable: false })],
    expected: {
      exitCode: 1,
      status: 'error',
      error: /^upstream got Authorization: Bearer /,
      retryable: 'false',
      attempts: 1,
      requests: 1,
    },
  },
  {
    name: 'the token with a pasted "Bearer " prefix, synced',
    inputs: { 'api-token': `Bearer ${TOKEN}` },
    expected: { exitCode: 0, status: 'ready', error: '', retryable: '', attempts: 1, requests: 2 },
  },
  {
    name: 'an input error (account-id) with a token given',
    inputs: { 'account-id': 'not-an-account' },
    expected: {
      exitCode: 1,
      status: 'error',
      error: 'account-id: expected 32 hexadecimal characters, got 14 characters',
      retryable: '',
      attempts: 0,
      requests: 0,
    },
  },
  {
    name: 'an input error: the token pasted into api-base-url as well',
    inputs: { 'api-base-url': TOKEN },
    expected: {
      exitCode: 1,
      status: 'error',
      error: /^api-base-url: expected an https:\/\/ URL/,
      retryable: '',
      attempts: 0,
      requests: 0,
    },
  },
  {
    name: 'an input error: the key pasted into max-attempts, with legacy auth',
    ...legacyAuth,
    inputs: { ...legacyAuth.inputs, 'max-attempts': API_KEY },
    expected: {
      exitCode: 1,
      status: 'error',
      error: /^max-attempts: expected a whole number from 1 to 100/,
      retryable: '',
      attempts: 0,
      requests: 0,
    },
  },
];

// ---------------------------------------------------------------------------------------------

function containing(text: string): RegExp {
  return new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
}

describe('fault matrix', () => {
  it.each<FaultCase>([
    ...hostileTextCases,
    ...notAnEnvelopeCases,
    ...envelopeShapeCases,
    ...bodyCapCases,
    ...listCases,
    ...capabilityCases,
    ...headerCases,
    ...statusCases,
    ...credentialCases,
  ])('$name', async (fault) => {
    // The redirect target lives on another port, that is another origin.
    const elsewhere = await startFake({ servers: [SERVER] });
    const context: Context = { elsewhere: elsewhere.baseUrl };
    const server: FakeServer = { ...SERVER, syncReplies: [...(fault.sync ?? [])] };
    const fake = await startFake({
      token: TOKEN,
      ...fault.fake,
      servers: fault.servers ?? [server],
      ...(fault.intercept === undefined
        ? {}
        : { intercept: (request: RecordedRequest) => fault.intercept?.(request, context) }),
    });

    const run = await runAgainst(fake, { ...CASE_INPUTS, ...fault.inputs });

    const { expected } = fault;
    expect(run.exitCode).toBe(expected.exitCode);
    expect(run.outputs).toMatchObject({
      status: expected.status,
      retryable: expected.retryable,
      attempts: String(expected.attempts),
    });
    if (typeof expected.error === 'string') expect(run.outputs.error).toBe(expected.error);
    else expect(run.outputs.error).toMatch(expected.error);
    expect(fake.requests).toHaveLength(expected.requests);
    expect(elsewhere.requests).toHaveLength(0);
    expectContained(run, fake);
    fault.also?.(run, fake.requests);
  });
});

// A body that never ends cannot be served by the fake: a bare server streams one here.
describe('a 200 body that never ends', () => {
  let server: Server;
  let baseUrl = '';
  const requests: RecordedRequest[] = [];
  /** Per response: bytes written, and whether the client hung up before the safety limit. */
  const streams: { bytes: number; clientClosed: boolean }[] = [];
  const SAFETY_LIMIT = 64 * 1024 * 1024;

  beforeAll(async () => {
    server = createServer((request, response) => {
      requests.push({
        method: request.method ?? '',
        url: request.url ?? '',
        headers: request.headers,
        at: Date.now(),
        kind: 'sync',
      });
      const stream = { bytes: 0, clientClosed: false };
      streams.push(stream);
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"success":true,"result":{"status":"ready"},"pad":"');
      const chunk = Buffer.alloc(64 * 1024, 'x');
      const pump = (): void => {
        while (!response.destroyed && stream.bytes < SAFETY_LIMIT) {
          stream.bytes += chunk.length;
          if (!response.write(chunk)) return void response.once('drain', pump);
        }
        if (stream.bytes >= SAFETY_LIMIT) response.end('"}');
      };
      response.on('close', () => (stream.clientClosed = stream.bytes < SAFETY_LIMIT));
      pump();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    baseUrl = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}/client/v4`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('is cut off at the cap, and the run ends cleanly', async () => {
    const run = await runAgainst(baseUrl, { ...CASE_INPUTS, 'request-timeout-seconds': '20' });

    expect(run.exitCode).toBe(1);
    expect(run.outputs).toMatchObject({
      status: 'error',
      error:
        'HTTP 200: body larger than 4 MiB, not read (gave up after 2 attempts: max-attempts (2) used up)',
      retryable: 'true',
      attempts: '2',
    });
    expect(requests).toHaveLength(2);
    // The action hung up on each stream long before the server's own limit.
    expect(streams.map((stream) => stream.clientClosed)).toEqual([true, true]);
    expectContained(run, { requests });
  });
});

// Ids from the list endpoint the action cannot encode or show safely.
describe('list ids the action must not choke on', () => {
  /** A list of `ids` on page 1, then an empty page. */
  const listing = (ids: string[]) => firstPageOnly(listPage(ids.map((id) => ({ id }))));

  it('an id with a lone surrogate is dropped; the other servers are synced and reported', async () => {
    const good = ['good-1', 'good-2', 'good-3'];
    const fake = await startFake({
      servers: good.map((id) => ({ id })),
      intercept: listing(['good-1', 'bad-\ud800', 'good-2', 'good-3']),
    });

    const run = await runAgainst(fake, { ...CASE_INPUTS, 'server-id': '*' });

    expect(resultsOf(run).map((result) => [result.server_id, result.status])).toEqual(
      good.map((id) => [id, 'ready']),
    );
    expect(run.outputs.error).toBe('');
    expectContained(run, fake);
  });

  it('invalid entries are warned about once, though the list is read twice', async () => {
    const fake = await startFake({
      servers: [{ id: 'a' }, { id: 'b' }],
      intercept: listing(['a', 'b', 'not valid']),
    });

    const run = await runAgainst(fake, { ...CASE_INPUTS, 'server-id': '*' });

    expect(run.exitCode).toBe(0);
    expect(annotations(run, 'warning')).toEqual([
      '::warning::ignored 1 entry of the server list without a valid id',
    ]);
  });

  it('an id with bidi overrides never reaches the log as it is', async () => {
    const fake = await startFake({
      servers: [{ id: 'good-1' }, { id: 'invoice\u202etxt.exe' }],
      intercept: listing(['good-1', 'invoice\u202etxt.exe']),
    });

    const run = await runAgainst(fake, { ...CASE_INPUTS, 'server-id': '*' });

    expect(resultsOf(run).find((result) => result.server_id === 'good-1')?.status).toBe('ready');
    expectContained(run, fake);
  });
});
