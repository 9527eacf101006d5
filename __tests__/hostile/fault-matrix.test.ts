// A hostile or broken API, table-driven. Every case runs run() in-process (so that coverage and
// mutation testing see it) and checks: the exit status; the outputs in full; the kind of every
// request the fake received, in order, all inside the account's MCP servers path; the server's
// result in full; and that no credential and no workflow command escaped (escape-checks.ts). The
// cases marked so run against the bundled action too, where a real process shows what in-process
// cannot (stderr, start-up, the exit code itself).
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  apiError,
  upstreamFailure,
  type FakeApiOptions,
  type FakeCloudflareApi,
  type FakeServer,
  type RecordedRequest,
  type ScriptedReply,
} from '../../scripts/fake-cloudflare-api.js';
import { MAX_LIST_PAGES } from '../../src/readings/server-list.js';
import { lastSyncRay, replyDuring, runFleet, steppingClock } from '../support/fleet-checks.js';
import {
  API_KEY,
  EMAIL,
  NO_CHANGES,
  SERVERS_PATH,
  TOKEN,
  annotationMessage,
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
  type Result,
} from '../support/harness.js';
import { expectContained, type ContainedRun } from './escape-checks.js';

/** The server every case syncs unless it says otherwise. */
const SERVER: FakeServer = { id: 'srv', tools: ['search'], prompts: [] };

/** Inputs of every case on top of the base inputs (TOKEN among them): two attempts. */
const CASE_INPUTS = {
  'server-id': SERVER.id,
  'max-attempts': '2',
  'request-timeout-seconds': '2',
  'timeout-seconds': '20',
};

type Kind = RecordedRequest['kind'];

/** The requests of a sync of `srv`: its Before read, `syncs` syncs, and its After read if synced. */
const ONE_SYNC_FAILED: readonly Kind[] = ['read', 'sync'];
const TWO_SYNCS_FAILED: readonly Kind[] = ['read', 'sync', 'sync'];
const SYNCED: readonly Kind[] = ['read', 'sync', 'read'];
/** A server read, synced at the first attempt and read again: the run passes. */
const SYNCED_AT_ONCE: FaultCase['expected'] = {
  exitCode: 0,
  status: 'ready',
  error: '',
  retryable: '',
  attempts: 1,
  requests: SYNCED,
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
  /** The kind of each request the fake received, in order. */
  requests: readonly Kind[];
  /** The `error_details` of srv's failure, when it carried any. */
  details?: Record<string, unknown>;
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
  /** Fields of srv's result that differ from what `expected` implies. */
  result?: Partial<Result>;
  /** Anything else this case must show. */
  also?: (run: ContainedRun, requests: readonly RecordedRequest[]) => void;
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
  { name: '10 KB of text', text: 'A'.repeat(10 * 1024), shown: `${'A'.repeat(499)}…` },
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
      error: shown,
      retryable: 'false',
      attempts: 1,
      requests: ONE_SYNC_FAILED,
      details: { is_upstream: true, retryable: false },
    },
  },
  {
    name: `API error message with ${name}`,
    sync: [apiError(400, 1001, text)],
    expected: {
      exitCode: 1,
      status: 'error',
      // The 10 KB text is cut before the status and code are put around it.
      error:
        name === '10 KB of text' ? `HTTP 400: ${'A'.repeat(489)}…` : `HTTP 400: ${shown} (1001)`,
      retryable: 'false',
      attempts: 1,
      requests: ONE_SYNC_FAILED,
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
    requests: TWO_SYNCS_FAILED,
  },
}));

/** A sync answer whose `result` says nothing of the sync: retried, then failed (issue 8). */
const NOT_A_SYNC_RESULT: { name: string; result: unknown; shape: string }[] = [
  { name: 'an empty object', result: {}, shape: 'the result is an empty object' },
  { name: 'a list', result: [1, 2, 3], shape: 'the result is a list' },
  { name: 'a string', result: 'ready', shape: 'the result is a string' },
  {
    name: 'an object of the wrong types',
    result: { status: { $ne: 1 }, error: ['x'], error_details: 's' },
    shape: 'the result is an object without them',
  },
];

const notASyncResultCases: FaultCase[] = NOT_A_SYNC_RESULT.map(({ name, result, shape }) => ({
  name: `success true with ${name} as result`,
  sync: [raw(JSON.stringify(envelope(result))), raw(JSON.stringify(envelope(result)))],
  expected: {
    exitCode: 1,
    status: 'error',
    error: `HTTP 200: the sync answer has no status or error (${shape}) (gave up after 2 attempts: max-attempts (2) used up)`,
    retryable: 'true',
    attempts: 2,
    requests: TWO_SYNCS_FAILED,
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
      requests: ONE_SYNC_FAILED,
    },
  },
  {
    // The details carry the cause folded onto one line, as every text from the network, so a
    // later step that prints it cannot start a workflow command.
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
      requests: ONE_SYNC_FAILED,
      details: {
        cause: 'line1 ::error::pwned ::set-output name=status::ready',
        is_upstream: true,
        retryable: false,
      },
    },
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
      requests: ONE_SYNC_FAILED,
    },
  },
  {
    name: 'a malformed sync answer, then a whole one: retried, then synced',
    sync: [raw(JSON.stringify(envelope({})))],
    expected: {
      exitCode: 0,
      status: 'ready',
      error: '',
      retryable: '',
      attempts: 2,
      requests: ['read', 'sync', 'sync', 'read'],
    },
  },
];

// ---------------------------------------------------------------------------------------------
// The body's retryable flag without an error text or a status still decides, "whatever the HTTP
// status", as the contract says.

const retryableFlagCases: FaultCase[] = [
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
      requests: TWO_SYNCS_FAILED,
    },
  },
  {
    name: 'HTTP 503 whose body says retryable: false, without an error text',
    sync: [
      raw(
        '{"success":false,"errors":[{"code":1000,"message":"busy"}],"result":{"error_details":{"retryable":false}}}',
        503,
      ),
    ],
    expected: {
      exitCode: 1,
      status: 'error',
      error: 'HTTP 503: busy (1000)',
      retryable: 'false',
      attempts: 1,
      requests: ONE_SYNC_FAILED,
      details: { retryable: false },
    },
  },
  {
    name: 'HTTP 400 whose body says retryable: true, without an error text',
    sync: [
      raw(
        '{"success":false,"errors":[{"code":1001,"message":"bad"}],"result":{"error_details":{"retryable":true}}}',
        400,
      ),
    ].flatMap((reply) => [reply, reply]),
    expected: {
      exitCode: 1,
      status: 'error',
      error: 'HTTP 400: bad (1001) (gave up after 2 attempts: max-attempts (2) used up)',
      retryable: 'true',
      attempts: 2,
      requests: TWO_SYNCS_FAILED,
      details: { retryable: true },
    },
  },
];

// ---------------------------------------------------------------------------------------------
// Bodies over the 4 MiB cap

const SIX_MIB = 6 * 1024 * 1024;
const hugeEnvelope = `{"success":true,"result":{"status":"ready"},"pad":"${'x'.repeat(SIX_MIB)}"}`;

/** A ready sync answer of exactly `bytes` UTF-8 bytes. */
const envelopeOf = (bytes: number): string => {
  const frame = '{"success":true,"result":{"status":"ready"},"pad":""}';
  return frame.replace('""', `"${'x'.repeat(bytes - frame.length)}"`);
};

/** A sync whose two answers were both refused for their size. */
const BODY_NOT_READ: FaultCase['expected'] = {
  exitCode: 1,
  status: 'error',
  error:
    'HTTP 200: body larger than 4 MiB, not read (gave up after 2 attempts: max-attempts (2) used up)',
  retryable: 'true',
  attempts: 2,
  requests: TWO_SYNCS_FAILED,
};

const bodyCapCases: FaultCase[] = [
  {
    name: 'a body of exactly 4 MiB, read whole',
    sync: [{ status: 200, rawBody: envelopeOf(4 * 1024 * 1024) }],
    expected: SYNCED_AT_ONCE,
  },
  {
    name: 'a 6 MiB body (declared in content-length)',
    sync: [
      { status: 200, rawBody: hugeEnvelope },
      { status: 200, rawBody: hugeEnvelope },
    ],
    expected: BODY_NOT_READ,
  },
  {
    // Refused on the header alone: the body is never waited for.
    name: 'a content-length over 4 MiB before a small body',
    intercept: (request) =>
      request.kind === 'sync'
        ? {
            status: 200,
            headers: { 'content-length': String(SIX_MIB) },
            rawBody: envelopeOf(64),
          }
        : undefined,
    expected: BODY_NOT_READ,
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
      error:
        'HTTP 200: body is not a Cloudflare API response (application/json) (gave up after 2 attempts: max-attempts (2) used up)',
      retryable: 'true',
      attempts: 2,
      requests: TWO_SYNCS_FAILED,
    },
  },
];

// ---------------------------------------------------------------------------------------------
// Hostile server ids and endless paging of the list endpoint

/** Ids the list endpoint could hand out that no real server has: dropped, never sent. */
const HOSTILE_IDS = ['../../../zones', 'a/b', '%2e%2e', '::stop-commands::x'];
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
  { id: 'Upper-Case' },
];
const hostileListPage = listPage([
  ...HOSTILE_IDS.map((id) => ({ id, tools: [] })),
  { id: 'ok-1', tools: [] },
  ...INVALID_ENTRIES,
  { id: 'ok-1', tools: [{ name: 'duplicate' }] },
]);

/** A list of `first` on page 1, then an empty page. */
const firstPageOnly =
  (first: ScriptedReply) =>
  (request: RecordedRequest): ScriptedReply | undefined =>
    request.kind === 'list' ? (pageOf(request) === 1 ? first : listPage([])) : undefined;

/** Syncs of servers the fake does not hold: answered ready. */
const readyForAnyone = replyTo('sync', synced());

/** A list page of 100 servers whose ids are new on every page: a list that never ends. */
const endlessPage = (request: RecordedRequest): ScriptedReply =>
  listPage(Array.from({ length: 100 }, (_, i) => ({ id: `p${pageOf(request)}-${i}` })));

/** The same 100 servers on every page. */
const REPEATED = Array.from({ length: 100 }, (_, i) => ({ id: `r-${i}` }));

const CUT_LIST = `the MCP server list was cut: it had not ended after ${MAX_LIST_PAGES} pages (${MAX_LIST_PAGES * 100} servers read), so some servers would be left out`;

const listCases: FaultCase[] = [
  {
    name: 'a list of hostile and invalid ids: only the valid one is synced, the rest warned about',
    servers: [...HOSTILE_IDS, 'ok-1'].map((id) => ({ id })),
    intercept: firstPageOnly(hostileListPage),
    inputs: { 'server-id': '*' },
    // The list's page 1 is short, so the last; ok-1 alone is read after its sync.
    expected: {
      exitCode: 0,
      status: 'ready',
      error: '',
      retryable: '',
      attempts: 1,
      requests: ['list', 'sync', 'read'],
    },
    also: (run, requests) => {
      expect(requests.filter((r) => r.kind === 'sync').map((r) => r.url)).toEqual([
        `${SERVERS_PATH}/ok-1/sync`,
      ]);
      expect(annotations(run, 'warning').map(annotationMessage)).toEqual([
        `ignored ${HOSTILE_IDS.length + INVALID_ENTRIES.length} entries of the server list without a valid id`,
      ]);
      expect(resultsOf(run).map((result) => result.server_id)).toEqual(['ok-1']);
    },
  },
  {
    name: `a list that has not ended after ${MAX_LIST_PAGES} pages of new servers, none of them synced`,
    servers: [{ id: 'a' }, { id: 'b' }],
    intercept: replyDuring('before', 'list', endlessPage),
    inputs: { 'server-id': 'a,b' },
    // Before: the bound; the syncs; After (the fake's own list from then on): one page.
    expected: {
      exitCode: 0,
      status: 'ready',
      error: '',
      retryable: '',
      attempts: 2,
      requests: [
        ...Array.from({ length: MAX_LIST_PAGES }, () => 'list' as const),
        'sync',
        'sync',
        'list',
      ],
    },
    also: (run) => {
      expect(annotations(run, 'warning').map(annotationMessage)).toEqual(
        ['a', 'b'].map(
          () => `changes unknown: the server could not be read before the sync (${CUT_LIST})`,
        ),
      );
      expect(resultsOf(run).map(({ server_id, changes }) => [server_id, changes])).toEqual([
        ['a', null],
        ['b', null],
      ]);
    },
  },
  {
    name: 'a list that repeats the same full page forever (server-id: *)',
    intercept: (request) =>
      request.kind === 'list' ? listPage(REPEATED) : readyForAnyone(request),
    inputs: { 'server-id': '*', concurrency: '16' },
    // page 2 repeats page 1: where the list ends cannot be known, so `*` fails rather than pass
    // with servers left out, and nothing is synced.
    expected: {
      exitCode: 1,
      status: 'error',
      error: `the MCP server list was cut: page 2 repeated servers already read (${REPEATED.length} servers read), so where the list ends is unknown`,
      retryable: '',
      attempts: 0,
      requests: ['list', 'list'],
    },
    also: (run, requests) => {
      expect(requests.filter((r) => r.kind === 'list').map(pageOf)).toEqual([1, 2]);
      expect(run.outputs.results).toBe('[]');
    },
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
      requests: ['list'],
    },
    also: (run) => expect(run.outputs.results).toBe('[]'),
  },
];

// ---------------------------------------------------------------------------------------------
// Hostile server objects: names, tools and ids that reach the results output as inert data, or
// not at all

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
const expectNamesAsData = (run: ContainedRun): void => {
  for (const result of resultsOf(run)) {
    expect(result.tools).toEqual(['search', ...SHOWN_NAMES]);
    expect(result.prompts).toEqual(SHOWN_NAMES);
  }
};

/** A read of srv whose server object is `object`. */
const readAs = (object: unknown) => replyTo('read', { status: 200, body: envelope(object) });

const serverObjectCases: FaultCase[] = [
  {
    name: 'hostile tool and prompt names read for one server',
    servers: [hostileNamesServer('srv')],
    inputs: { 'expected-tools': 'search' },
    expected: SYNCED_AT_ONCE,
    also: expectNamesAsData,
  },
  {
    name: 'hostile tool and prompt names listed for several servers',
    servers: [hostileNamesServer('one'), hostileNamesServer('two')],
    inputs: { 'server-id': 'one,two', 'expected-tools': 'search' },
    expected: {
      exitCode: 0,
      status: 'ready',
      error: '',
      retryable: '',
      attempts: 2,
      requests: ['list', 'sync', 'sync', 'list'],
    },
    also: expectNamesAsData,
  },
  {
    name: 'a read that answers with another server: no reading, a warning, not a failure',
    intercept: readAs({ id: 'other', tools: [{ name: 'planted' }] }),
    expected: SYNCED_AT_ONCE,
    result: { authentication_status: null, tools: null, prompts: null, changes: null },
    also: (run) =>
      expect(annotations(run, 'warning').map(annotationMessage)).toEqual([
        'changes unknown: the server could not be read before the sync (the response holds no such server)',
      ]),
  },
  {
    name: 'a read whose tools, prompts and statuses are of the wrong shapes',
    intercept: readAs({
      id: 'srv',
      status: { ready: true },
      authentication_status: 42,
      tools: [
        'bare',
        7,
        null,
        { name: 5 },
        { description: 'no name' },
        { name: '' },
        { name: 'kept' },
      ],
      prompts: 'not a list',
      updated_tools: [{ name: 'kept', enabled: 'no' }, null, 'x'],
    }),
    expected: SYNCED_AT_ONCE,
    result: { authentication_status: null, tools: ['kept'] },
  },
];

// ---------------------------------------------------------------------------------------------
// Headers that steer waiting, statuses, redirects, connection faults

/** An error reply steered only by `headers`: the fake's own rate-limit headers are blanked. */
const busy = (headers: Record<string, string>, status = 503): ScriptedReply =>
  apiError(status, 1000, 'busy', { ratelimit: '', 'ratelimit-policy': '', ...headers });

/** Headers that cannot steer a wait, on a 503 and a 429 that are otherwise alike. */
// What each connection fault is reported as: Node's code where its message lacks it.
const FAULT_ERROR = {
  reset: 'network error: ECONNRESET: socket hang up',
  truncate: 'network error: ECONNRESET: aborted',
  hang: 'no response within 0.3 s',
} as const;

const MALFORMED_WAIT_HEADERS: Record<string, string>[] = [
  { 'retry-after': '-5' },
  { 'retry-after': 'abc' },
  { 'retry-after': '1e3' },
  { 'retry-after-ms': '-1', 'retry-after': '0x10' },
  { ratelimit: 'garbage' },
  { ratelimit: '"default";r=-1;t=x' },
  { ratelimit: '"default";r=0;t=-1, ;;;', 'ratelimit-policy': 'q=0;w=0' },
];

/** A Retry-After that has already passed: a retry at once. */
const PAST_DATE = { 'retry-after': 'Thu, 01 Jan 1970 00:00:00 GMT' };

const headerCases: FaultCase[] = [
  ...MALFORMED_WAIT_HEADERS.map((headers): FaultCase => ({
    name: `HTTP 503 with ${JSON.stringify(headers)}: ignored, backoff instead`,
    sync: [busy(headers), busy(headers)],
    expected: {
      exitCode: 1,
      status: 'error',
      error: 'HTTP 503: busy (1000) (gave up after 2 attempts: max-attempts (2) used up)',
      retryable: 'true',
      attempts: 2,
      requests: TWO_SYNCS_FAILED,
    },
    // The one wait: base-delay-seconds (10 ms), as backoff.
    result: { duration_ms: 10 },
    also: (run, requests) => {
      const ray = requests.find((r) => r.kind === 'sync')?.responseHeaders?.['cf-ray'] ?? '';
      expect(logLines(run)).toContain(
        `sync srv: attempt 1/2: HTTP 503 [cf-ray ${ray}], retryable: HTTP 503: busy (1000); waiting 0.0 s (backoff)`,
      );
    },
  })),
  {
    name: `HTTP 503 with ${JSON.stringify(PAST_DATE)}: retried at once`,
    sync: [busy(PAST_DATE), busy(PAST_DATE)],
    expected: {
      exitCode: 1,
      status: 'error',
      error: 'HTTP 503: busy (1000) (gave up after 2 attempts: max-attempts (2) used up)',
      retryable: 'true',
      attempts: 2,
      requests: TWO_SYNCS_FAILED,
    },
    result: { duration_ms: 0 },
  },
  // A 429 without a reading of its own takes the rate-limit window as spent: the Before read's
  // reading said it ends in 300 s, past timeout-seconds, so the retry is never sent.
  ...[...MALFORMED_WAIT_HEADERS, PAST_DATE].map((headers): FaultCase => ({
    name: `HTTP 429 with ${JSON.stringify(headers)}: the window taken as spent, no retry`,
    sync: [busy(headers, 429), busy(headers, 429)],
    expected: {
      exitCode: 1,
      status: 'error',
      error: 'HTTP 429: busy (1000) (gave up after 1 attempt: timeout-seconds (20 s) ran out)',
      retryable: 'true',
      attempts: 1,
      requests: ONE_SYNC_FAILED,
    },
    also: (run) =>
      expect(logLines(run)).toContain('sync srv: not sent, timeout-seconds (20 s) ran out'),
  })),
  ...[503, 429].map((status): FaultCase => ({
    name: `HTTP ${status} with Retry-After: 99999999999: no wait past the deadline`,
    sync: [busy({ 'retry-after': '99999999999' }, status)],
    expected: {
      exitCode: 1,
      status: 'error',
      error: `HTTP ${status}: busy (1000) (gave up after 1 attempt: timeout-seconds (20 s) would pass during the next wait)`,
      retryable: 'true',
      attempts: 1,
      requests: ONE_SYNC_FAILED,
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
      requests: TWO_SYNCS_FAILED,
    },
  },
  ...[600, 700, 999].map((status): FaultCase => ({
    name: `HTTP ${status}`,
    sync: [busy({}, status)],
    expected: {
      exitCode: 1,
      status: 'error',
      error: `HTTP ${status}: busy (1000)`,
      retryable: 'false',
      attempts: 1,
      requests: ONE_SYNC_FAILED,
    },
  })),
  ...[301, 302, 303, 307, 308].map((status): FaultCase => ({
    name: `HTTP ${status} to another origin`,
    intercept: (request, { elsewhere }) =>
      request.kind === 'sync'
        ? {
            status,
            headers: { location: `${elsewhere}${request.url.replace(/^\/client\/v4/, '')}` },
            body: envelope({ status: 'ready' }),
          }
        : undefined,
    expected: {
      exitCode: 1,
      status: 'error',
      error: `HTTP ${status}: redirect not followed`,
      retryable: 'false',
      attempts: 1,
      requests: ONE_SYNC_FAILED,
    },
  })),
  ...(['reset', 'truncate', 'hang'] as const).map((fault): FaultCase => ({
    name: `a connection fault: ${fault}`,
    sync: [{ fault }, { fault }],
    inputs: { 'request-timeout-seconds': '0.3' },
    expected: {
      exitCode: 1,
      status: 'error',
      error: `${FAULT_ERROR[fault]} (gave up after 2 attempts: max-attempts (2) used up)`,
      retryable: 'true',
      attempts: 2,
      requests: TWO_SYNCS_FAILED,
    },
    // No response came whole: no cf-ray to report.
    result: { ray_id: null },
  })),
  // An empty cf-ray is no ray id; a hostile one is kept inert.
  ...(
    [
      ['an empty cf-ray header', '', null],
      [
        'a hostile cf-ray header',
        '::set-output name=status::ready ##[stop-commands]pwn',
        '::set-output name=status::ready ## [stop-commands]pwn',
      ],
    ] as const
  ).map(([name, header, shown]): FaultCase => ({
    name: name ?? '',
    sync: [{ ...busy({ 'cf-ray': header ?? '' }, 400) }],
    expected: {
      exitCode: 1,
      status: 'error',
      error: 'HTTP 400: busy (1000)',
      retryable: 'false',
      attempts: 1,
      requests: ONE_SYNC_FAILED,
    },
    result: { ray_id: shown },
  })),
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
      requests: ONE_SYNC_FAILED,
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
    expected: SYNCED_AT_ONCE,
    also: (run, requests) => {
      expect(logLines(run)).toContain(`::add-mask::${API_KEY}`);
      expect(requests.every((r) => r.headers['x-auth-key'] === API_KEY)).toBe(true);
      expect(requests.every((r) => r.headers.authorization === undefined)).toBe(true);
    },
  },
  {
    // A 403 stops the run: no After reading.
    name: 'legacy auth, the API echoes the key in its error',
    ...legacyAuth,
    sync: [apiError(403, 10000, `Authentication error: key ${API_KEY} for ${EMAIL} refused`)],
    expected: {
      exitCode: 1,
      status: 'error',
      error: `HTTP 403: Authentication error: key *** for ${EMAIL} refused (10000)`,
      retryable: 'false',
      attempts: 1,
      requests: ONE_SYNC_FAILED,
    },
  },
  {
    name: 'the API echoes the token in errors[].message',
    sync: [apiError(403, 10000, `Authentication error: token ${TOKEN} is not valid`)],
    expected: {
      exitCode: 1,
      status: 'error',
      error: 'HTTP 403: Authentication error: token *** is not valid (10000)',
      retryable: 'false',
      attempts: 1,
      requests: ONE_SYNC_FAILED,
    },
  },
  {
    name: 'the upstream echoes the bearer header in result.error',
    sync: [upstreamFailure(`upstream got Authorization: Bearer ${TOKEN}`, { retryable: false })],
    expected: {
      exitCode: 1,
      status: 'error',
      error: 'upstream got Authorization: Bearer ***',
      retryable: 'false',
      attempts: 1,
      requests: ONE_SYNC_FAILED,
      details: { is_upstream: true, retryable: false },
    },
  },
  {
    name: 'the token with a pasted "Bearer " prefix, synced',
    inputs: { 'api-token': `Bearer ${TOKEN}` },
    expected: SYNCED_AT_ONCE,
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
      requests: [],
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
      requests: [],
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
      requests: [],
    },
  },
];

// ---------------------------------------------------------------------------------------------

const CASES: FaultCase[] = [
  ...hostileTextCases,
  ...notAnEnvelopeCases,
  ...notASyncResultCases,
  ...envelopeShapeCases,
  ...retryableFlagCases,
  ...bodyCapCases,
  ...listCases,
  ...serverObjectCases,
  ...headerCases,
  ...statusCases,
  ...credentialCases,
];

/**
 * Cases also run against the bundled action: one of each family where a real process could differ
 * (a crash's stack trace on stderr, start-up, masking before the first log line).
 */
const ALSO_BUNDLED = new Set([
  'upstream error with a set-output command on its own line',
  "API error message with the runner's legacy ##[ command syntax",
  'HTTP 200 with arrays nested 100,000 deep as body',
  'a 6 MiB body (declared in content-length)',
  'a connection fault: hang',
  'legacy auth, the API echoes the key in its error',
  'the upstream echoes the bearer header in result.error',
  'an input error: the token pasted into api-base-url as well',
]);

/**
 * Cases only the bundled action runs: in-process, the run may not print `::add-mask::` for the
 * credential as given (`Bearer <token>`), which a runner swallows.
 */
const ONLY_BUNDLED = new Set(['the token with a pasted "Bearer " prefix, synced']);

/** srv's whole result as `expected` implies it, with the case's own fields on top. */
function srvResult(fault: FaultCase, fake: FakeCloudflareApi, durationMs: unknown): Result {
  const { expected } = fault;
  const failed = expected.status === 'error';
  return {
    server_id: SERVER.id,
    status: expected.status,
    authentication_status: 'not_required',
    error:
      expected.error === ''
        ? null
        : typeof expected.error === 'string'
          ? expected.error
          : (expect.stringMatching(expected.error) as unknown as string),
    error_details: expected.details ?? null,
    attempts: expected.attempts,
    duration_ms: durationMs as number,
    tools: failed ? null : ['search'],
    prompts: failed ? null : [],
    changes: failed ? null : NO_CHANGES,
    ray_id: lastSyncRay(fake, SERVER.id),
    ...fault.result,
  };
}

async function check(fault: FaultCase, layer: 'in-process' | 'bundle'): Promise<void> {
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
  const inputs = { ...CASE_INPUTS, ...fault.inputs };
  const clock = steppingClock();

  const run: ContainedRun & { exitCode: number | null } =
    layer === 'in-process'
      ? await runFleet(fake, inputs, { clock })
      : await runAgainst(fake, inputs);

  const { expected } = fault;
  expect(run.exitCode).toBe(expected.exitCode);
  const {
    'error-details': details,
    results,
    'results-file': resultsFile,
    ...outputs
  } = run.outputs;
  expect(outputs).toEqual({
    status: expected.status,
    error:
      typeof expected.error === 'string' ? expected.error : expect.stringMatching(expected.error),
    retryable: expected.retryable,
    attempts: String(expected.attempts),
    'breaking-changes': '',
  });
  expect(details === '' ? null : JSON.parse(details ?? '')).toEqual(expected.details ?? null);
  expect(results).toBeDefined();
  expect(resultsFile).toBeDefined();
  expect(fake.requests.map((request) => request.kind)).toEqual(expected.requests);
  expect(elsewhere.requests).toHaveLength(0);
  const single = fault.servers === undefined && fault.inputs?.['server-id'] === undefined;
  if (single) {
    const duration =
      layer === 'in-process'
        ? Math.round(clock.sleeps.reduce((sum, ms) => sum + ms, 0))
        : expect.any(Number);
    expect(resultsOf(run)).toEqual(
      expected.requests.length === 0 ? [] : [srvResult(fault, fake, duration)],
    );
  }
  expectContained(run, fake);
  fault.also?.(run, fake.requests);
}

describe('fault matrix, in-process', () => {
  const inProcess = CASES.filter((fault) => !ONLY_BUNDLED.has(fault.name));
  it.each(inProcess)('$name', (fault) => check(fault, 'in-process'));
});

describe('fault matrix, against the bundled action', () => {
  const bundled = CASES.filter(({ name }) => ALSO_BUNDLED.has(name) || ONLY_BUNDLED.has(name));

  it('runs every case it names', () => {
    expect(bundled.map(({ name }) => name).sort()).toEqual(
      [...ALSO_BUNDLED, ...ONLY_BUNDLED].sort(),
    );
  });

  it.each(bundled)('$name', (fault) => check(fault, 'bundle'));
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
        kind: request.method === 'POST' ? 'sync' : 'read',
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

  it('is cut off at the cap, for the reads and the syncs, and the run ends cleanly', async () => {
    const run = await runFleet(baseUrl, { ...CASE_INPUTS, 'request-timeout-seconds': '20' });

    expect(run.exitCode).toBe(1);
    expect(run.outputs).toMatchObject({
      status: 'error',
      error:
        'HTTP 200: body larger than 4 MiB, not read (gave up after 2 attempts: max-attempts (2) used up)',
      retryable: 'true',
      attempts: '2',
    });
    // The Before read, twice (its reading is missed), then the sync, twice; no After.
    expect(requests.map((request) => request.kind)).toEqual(['read', 'read', 'sync', 'sync']);
    // The action hung up on each stream long before the server's own limit.
    expect(streams.map((stream) => stream.clientClosed)).toEqual([true, true, true, true]);
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

    const run = await runFleet(fake, { ...CASE_INPUTS, 'server-id': '*' });

    expect(resultsOf(run).map((result) => [result.server_id, result.status])).toEqual(
      good.map((id) => [id, 'ready']),
    );
    expect(run.outputs.error).toBe('');
    expect(annotations(run, 'warning').map(annotationMessage)).toEqual([
      'ignored 1 entry of the server list without a valid id',
    ]);
    expectContained(run, fake);
  });

  it('invalid entries are warned about once, though the list is read twice', async () => {
    const fake = await startFake({
      servers: [{ id: 'a' }, { id: 'b' }],
      intercept: listing(['a', 'b', 'not valid']),
    });

    const run = await runFleet(fake, { ...CASE_INPUTS, 'server-id': '*' });

    expect(run.exitCode).toBe(0);
    expect(fake.requests.map((request) => request.kind)).toEqual(['list', 'sync', 'sync', 'list']);
    expect(annotations(run, 'warning')).toEqual([
      '::warning::ignored 1 entry of the server list without a valid id',
    ]);
  });

  it('an id with bidi overrides never reaches the log as it is', async () => {
    const fake = await startFake({
      servers: [{ id: 'good-1' }, { id: 'invoice\u202etxt.exe' }],
      intercept: listing(['good-1', 'invoice\u202etxt.exe']),
    });

    const run = await runFleet(fake, { ...CASE_INPUTS, 'server-id': '*' });

    expect(resultsOf(run).map((result) => [result.server_id, result.status])).toEqual([
      ['good-1', 'ready'],
    ]);
    expectContained(run, fake);
  });
});
