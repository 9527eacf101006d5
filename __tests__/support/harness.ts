// Shared by every test that runs the action against the fake Cloudflare API (integration, fleet and
// hostile): credentials that are easy to spot if they leak, fakes (stopped after each test), runs
// of the bundled action, reply builders, and readers for what a run leaves behind (outputs, the
// results-file, log lines, annotations, the job summary, the fake's request log). Nothing here
// prints a credential.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { afterEach, expect } from '@jest/globals';
import { DEMO_ACCOUNT_ID, FakeCloudflareApi, apiError } from '../../scripts/fake-cloudflare-api.js';
import type {
  FakeApiOptions,
  FakeServer,
  RecordedRequest,
  ScriptedReply,
} from '../../scripts/fake-cloudflare-api.js';
import { parseResults, runAction } from '../../scripts/run-action.js';
import type { ActionRun, ResultJson, RunActionOptions } from '../../scripts/run-action.js';
import { formatDuration } from '../../src/report/summary.js';

export const TOKEN = 'cfut_INTEGRATION_SECRET_9d2e71';
export const API_KEY = 'gkey_INTEGRATION_SECRET_41b7aa';
export const EMAIL = 'ci-bot@example.com';

/** Every credential a test hands the action; none may show up anywhere the user can read. */
export const SECRETS: readonly string[] = [TOKEN, API_KEY];

export const ACCOUNT_ID = DEMO_ACCOUNT_ID;
export const SERVERS_PATH = `/client/v4/accounts/${ACCOUNT_ID}/access/ai-controls/mcp/servers`;

/** The server of the one-server tests, with its tools and prompts. */
export const SERVER_ID = 'docs-mcp';
export const TOOLS = ['search_docs', 'fetch_page'];
export const PROMPTS = ['summarize'];
export const RAY_ID = '8f1e2d3c4b5a6978-SJC';
/** The hint for an id the account lacks when no similar id is known. */
export const NOT_FOUND_HINT =
  "check server-id against the server's id in the Cloudflare dashboard (Zero Trust → Access → AI controls → MCP servers), and account-id";

export const READ_PATH = `${SERVERS_PATH}/${SERVER_ID}`;
export const SYNC_PATH = `${READ_PATH}/sync`;

// ---------------------------------------------------------------------------------------------
// Fakes

const started: FakeCloudflareApi[] = [];

// Importing this module is enough: every fake it started is stopped after each test.
afterEach(async () => {
  await Promise.all(started.splice(0).map((fake) => fake.stop()));
});

/**
 * Starts a fake that accepts TOKEN (unless the options name a token or an email), listening on
 * 127.0.0.1 unless given another host. Stopped after the test.
 */
export async function startFake(
  options: FakeApiOptions = {},
  host = '127.0.0.1',
): Promise<FakeCloudflareApi> {
  const fake = new FakeCloudflareApi({
    ...(options.email === undefined ? { token: TOKEN } : {}),
    ...options,
  });
  started.push(fake);
  await fake.start(0, host);
  return fake;
}

/**
 * A fake account holding SERVER_ID: the fake's options, and SERVER_ID's own fields (`syncReplies`
 * script its syncs; `authenticationStatus`, `updatedTools`, `afterSync`, `readyAfterMs` …).
 */
export type OneServerSetup = FakeApiOptions & Omit<FakeServer, 'id'>;

const SERVER_FIELDS: ReadonlySet<string> = new Set<keyof Omit<FakeServer, 'id'>>([
  'name',
  'tools',
  'prompts',
  'updatedTools',
  'updatedPrompts',
  'authenticationStatus',
  'status',
  'afterSync',
  'readyAfterMs',
  'syncReplies',
  'syncDelayMs',
]);

/** A fake account holding SERVER_ID with TOOLS and PROMPTS, unless the setup says otherwise. */
export function startOneServerFake(setup: OneServerSetup = {}): Promise<FakeCloudflareApi> {
  const server: FakeServer = { id: SERVER_ID, tools: TOOLS, prompts: PROMPTS };
  const options: FakeApiOptions = {};
  for (const [name, value] of Object.entries(setup) as [string, unknown][]) {
    Object.assign(SERVER_FIELDS.has(name) ? server : options, { [name]: value });
  }
  return startFake({ servers: [server], ...options });
}

/** An API root on loopback where nothing listens: every connection is refused. */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/client/v4`;
}

// ---------------------------------------------------------------------------------------------
// Inputs and runs of the bundled action

/** Inputs by name; `undefined` leaves an input out. */
export type Inputs = Record<string, string | undefined>;

/** A fake, or an API root URL. */
export type Api = FakeCloudflareApi | string;

function given(inputs: Inputs): Record<string, string> {
  return Object.fromEntries(
    Object.entries(inputs).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}

function credentialsFor(api: Api): Record<string, string> {
  return {
    'api-token': TOKEN,
    'account-id': ACCOUNT_ID,
    'api-base-url': typeof api === 'string' ? api : api.baseUrl,
  };
}

/**
 * Inputs every fleet run starts from: TOKEN, the account, the API root, and short waits so that
 * retries cost milliseconds. A test overrides any of them; '' leaves an input unset.
 */
export function baseInputs(api: Api): Record<string, string> {
  return {
    ...credentialsFor(api),
    'base-delay-seconds': '0.01',
    'max-delay-seconds': '0.05',
    'request-timeout-seconds': '5',
    'timeout-seconds': '30',
  };
}

/** A run of the bundled action, with the text of the results-file it wrote. */
export type BundledRun = ActionRun & {
  /** The file named by the `results-file` output, read before RUNNER_TEMP is removed. */
  resultsFile?: string;
};

/**
 * Runs the bundled action with RUNNER_TEMP set to a directory of its own (removed afterwards), as
 * on a runner, and reads back the results-file, which must lie inside it.
 */
export async function runBundled(options: RunActionOptions): Promise<BundledRun> {
  const runnerTemp = mkdtempSync(join(tmpdir(), 'runner-temp-'));
  try {
    const run = await runAction({ ...options, env: { RUNNER_TEMP: runnerTemp, ...options.env } });
    return { ...run, ...readResultsFile(run.outputs['results-file'], runnerTemp) };
  } finally {
    rmSync(runnerTemp, { recursive: true, force: true });
  }
}

/** The results-file's text, when `path` names a file inside `runnerTemp`. */
export function readResultsFile(
  path: string | undefined,
  runnerTemp: string,
): { resultsFile?: string } {
  if (path === undefined || !path.startsWith(`${runnerTemp}${sep}`) || !existsSync(path)) return {};
  return { resultsFile: readFileSync(path, 'utf8') };
}

/** Runs the bundled action against `api` with baseInputs and `inputs` on top. */
export function runAgainst(api: Api, inputs: Record<string, string>): Promise<BundledRun> {
  return runBundled({ inputs: { ...baseInputs(api), ...inputs }, killAfterMs: 60_000 });
}

/**
 * Inputs of a one-server run: TOKEN, the account, the API root, SERVER_ID, 3 attempts and a
 * 0.05 s base delay, with `overrides` on top.
 */
export function oneServerInputs(api: Api, overrides: Inputs = {}): Record<string, string> {
  return given({
    ...credentialsFor(api),
    'server-id': SERVER_ID,
    'base-delay-seconds': '0.05',
    'max-attempts': '3',
    ...overrides,
  });
}

export interface OneServerRunOptions {
  /** Inputs on top of oneServerInputs; `undefined` leaves a default input out. */
  inputs?: Inputs;
  env?: Record<string, string>;
  /** `::add-mask::` values the run may print besides SECRETS (a credential as given). */
  alsoMasked?: readonly string[];
}

/** Runs the bundled action with oneServerInputs, then checks that no credential leaked. */
export async function runOneServer(
  api: Api,
  { inputs = {}, env, alsoMasked = [] }: OneServerRunOptions = {},
): Promise<BundledRun> {
  const run = await runBundled({
    inputs: oneServerInputs(api, inputs),
    ...(env === undefined ? {} : { env }),
    killAfterMs: 20_000,
  });
  expectNoCredentialLeak(run, alsoMasked);
  return run;
}

// ---------------------------------------------------------------------------------------------
// Replies

export function envelope(result: unknown, extra: Record<string, unknown> = {}): unknown {
  return { success: true, errors: [], messages: [], result, ...extra };
}

/** A successful sync with the given status and a known cf-ray. */
export function synced(status = 'ready', headers: Record<string, string> = {}): ScriptedReply {
  return { status: 200, headers: { 'cf-ray': RAY_ID, ...headers }, body: envelope({ status }) };
}

/** Cloudflare's 503 for a service that is briefly down. */
export function unavailable(headers?: Record<string, string>): ScriptedReply {
  return apiError(503, 10_503, 'Service temporarily unavailable', headers);
}

/** The HTML page Cloudflare's edge serves for its own 52x errors. */
export function edgeErrorPage(status: number): ScriptedReply {
  return {
    status,
    rawBody: `<!DOCTYPE html><html><head><title>Error ${status}</title></head><body>cloudflare</body></html>`,
  };
}

/** A list page holding `items` as they are, with `result_info` when given. */
export function listPage(items: unknown[], resultInfo?: Record<string, unknown>): ScriptedReply {
  return {
    status: 200,
    body: envelope(items, resultInfo === undefined ? {} : { result_info: resultInfo }),
  };
}

/** An `intercept` that answers every request of one kind with `reply`. */
export function replyTo(
  kind: RecordedRequest['kind'],
  reply: ScriptedReply,
): (request: RecordedRequest) => ScriptedReply | undefined {
  return (request) => (request.kind === kind ? reply : undefined);
}

/** A Retry-After HTTP date on a whole second, at least `aheadMs` from now. */
export function httpDateAhead(aheadMs: number): { header: string; atMs: number } {
  const atMs = Math.ceil((Date.now() + aheadMs) / 1000) * 1000;
  return { header: new Date(atMs).toUTCString(), atMs };
}

export const FULL_ERROR_DETAILS = {
  cause: '401 Unauthorized: invalid bearer token',
  is_upstream: true,
  mcp_code: -32001,
  retryable: false,
  status_code: 401,
} as const;

// ---------------------------------------------------------------------------------------------
// The fake's request log

export function ofKind(fake: FakeCloudflareApi, kind: RecordedRequest['kind']): RecordedRequest[] {
  return fake.requests.filter((request) => request.kind === kind);
}

/** Every request the fake received, as `METHOD path?query`, in order. */
export function requestLines(fake: FakeCloudflareApi): string[] {
  return fake.requests.map(({ method, url }) => `${method} ${url}`);
}

/** How many times each server was synced. */
export function syncCounts(fake: FakeCloudflareApi): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const request of fake.syncs()) {
    const id = request.serverId ?? '';
    counts[id] = (counts[id] ?? 0) + 1;
  }
  return counts;
}

/** The `page` query parameter of a list request. */
export function pageOf(request: RecordedRequest): number {
  return Number(new URL(request.url, 'http://fake').searchParams.get('page'));
}

/** `count` distinct server ids: `prefix-01`, `prefix-02`, … */
export function serverIds(count: number, prefix = 'srv'): string[] {
  const width = String(count).length;
  return Array.from({ length: count }, (_, i) => `${prefix}-${String(i + 1).padStart(width, '0')}`);
}

/** Milliseconds between the arrival of two recorded requests. */
export function gapMs(fake: FakeCloudflareApi, first: number, second: number): number {
  const a = fake.requests[first];
  const b = fake.requests[second];
  if (a === undefined || b === undefined) throw new Error('request not recorded');
  return b.at - a.at;
}

const CREDENTIAL_LABELS: ReadonlyMap<string, string> = new Map([
  [`Bearer ${TOKEN}`, 'Bearer <TOKEN>'],
  [TOKEN, '<TOKEN>'],
  [API_KEY, '<API_KEY>'],
]);

/**
 * The authentication headers a request carried, with each credential replaced by its label
 * (`Bearer <TOKEN>`, `<API_KEY>`), so that comparing them can never print a secret.
 */
export function credentialHeaders(request: RecordedRequest): Record<string, string> {
  const sent: Record<string, string> = {};
  for (const name of ['authorization', 'x-auth-email', 'x-auth-key']) {
    const value = request.headers[name];
    if (value === undefined) continue;
    const text = String(value);
    sent[name] =
      CREDENTIAL_LABELS.get(text) ??
      (SECRETS.some((secret) => text.includes(secret)) ? '<altered credential>' : text);
  }
  return sent;
}

// ---------------------------------------------------------------------------------------------
// What a run leaves behind

/**
 * What a run of the bundled action, or of run() in-process (no stderr), leaves behind; with the
 * results-file's text when it was read.
 */
export type Observed = Pick<ActionRun, 'stdout' | 'outputs' | 'summary'> &
  Partial<Pick<ActionRun, 'stderr'>> & { resultsFile?: string };

/**
 * Asserts that no credential appears in stdout, stderr, any output, the results-file or the
 * summary. The only
 * exception is a stdout line that is exactly `::add-mask::<value>` for a value of SECRETS or
 * `alsoMasked` (the runner swallows those lines). A failure names where the leak is, with the secret
 * redacted, so the assertion itself never prints a credential.
 */
export function expectNoCredentialLeak(
  observed: Observed,
  alsoMasked: readonly string[] = [],
): void {
  const redact = (text: string): string =>
    SECRETS.reduce((out, secret, index) => out.split(secret).join(`<secret #${index}>`), text);
  const leaks: string[] = [];
  const check = (where: string, text: string): void => {
    if (SECRETS.some((secret) => text.includes(secret))) leaks.push(`${where}: ${redact(text)}`);
  };
  const maskLines = [...SECRETS, ...alsoMasked].map((value) => `::add-mask::${value}`);
  observed.stdout.split('\n').forEach((line, index) => {
    if (maskLines.includes(line)) return;
    check(`stdout line ${index + 1}`, line);
  });
  check('stderr', observed.stderr ?? '');
  check('results-file', observed.resultsFile ?? '');
  for (const [name, value] of Object.entries(observed.outputs)) check(`output ${name}`, value);
  check('summary', observed.summary);
  // The summary escapes `_` and friends as entities, which would hide a credential from a plain
  // search (and the runner's masking): read it as the user sees it, and with its markup kept.
  check('summary as rendered', decodeHtml(observed.summary));
  check('summary with entities decoded', decodeEntities(observed.summary));
  expect(leaks).toEqual([]);
}

/** stdout split into lines, without the empty ones. */
export function logLines(run: Pick<Observed, 'stdout'>): string[] {
  return run.stdout.split('\n').filter((line) => line !== '');
}

/**
 * Whether the log asked the runner to mask `secret` before it logged anything else (checked
 * without printing the secret).
 */
export function masks(run: Pick<Observed, 'stdout'>, secret: string): boolean {
  const lines = logLines(run);
  const at = lines.indexOf(`::add-mask::${secret}`);
  const firstOther = lines.findIndex((line) => !line.startsWith('::add-mask::'));
  return at !== -1 && (firstOther === -1 || at < firstOther);
}

/** The log's line for each sync attempt of one server. */
export function attemptLines(run: Pick<Observed, 'stdout'>, serverId = SERVER_ID): string[] {
  return logLines(run).filter((line) => line.startsWith(`sync ${serverId}: attempt `));
}

/** Annotation lines of one kind: `::error::…`, `::error title=…::…`. */
export function annotations(
  run: Pick<Observed, 'stdout'>,
  kind: 'error' | 'warning' | 'notice',
): string[] {
  return logLines(run).filter(
    (line) => line.startsWith(`::${kind}::`) || line.startsWith(`::${kind} `),
  );
}

/** The message of an annotation line, as the runner decodes it. */
export function annotationMessage(line: string): string {
  const end = line.indexOf('::', 2);
  return line
    .slice(end + 2)
    .replace(/%0D/g, '\r')
    .replace(/%0A/g, '\n')
    .replace(/%25/g, '%');
}

/** The annotation the action writes for a failed SERVER_ID. */
export const SERVER_ERROR_PREFIX = `::error title=MCP server ${SERVER_ID} failed to sync::`;

/** One entry of the `results` output. */
export type Result = ResultJson;

/** A capability diff, as the `changes` of a result. */
export type ChangesJson = NonNullable<ResultJson['changes']>;

/** The `changes` of a sync that changed nothing. */
export const NO_CHANGES: ChangesJson = {
  tools: { added: [], removed: [], changed: [] },
  prompts: { added: [], removed: [], changed: [] },
  breaking: [],
};

/** The `results` output, which every run must set. */
export function resultsOf(run: Pick<Observed, 'outputs'>): ResultJson[] {
  expect(run.outputs.results).toBeDefined();
  return parseResults(run.outputs);
}

/** Asserts a run that passed as ready, having synced each of `ids` once and reported them in order. */
export function expectEachSyncedOnce(
  fake: FakeCloudflareApi,
  run: ActionRun,
  ids: readonly string[],
): void {
  expect(run.exitCode).toBe(0);
  expect(run.outputs).toMatchObject({ status: 'ready', attempts: String(ids.length) });
  expect(syncCounts(fake)).toEqual(Object.fromEntries(ids.map((id) => [id, 1])));
  expect(resultsOf(run).map((result) => result.server_id)).toEqual(ids);
}

/** The single server's result, asserting there is exactly one. */
export function onlyResult(run: Pick<Observed, 'outputs'>): ResultJson {
  const all = resultsOf(run);
  expect(all).toHaveLength(1);
  return all[0] as ResultJson;
}

const NAMED_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"' };

/** Decodes the entities of summary HTML (tags are kept). */
export function decodeEntities(html: string): string {
  return html
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCodePoint(Number(code)))
    .replace(/&(amp|lt|gt|quot);/g, (_, name: string) => NAMED_ENTITIES[name] ?? '');
}

/** HTML (the job summary) as plain text: tags dropped, entities decoded. */
export function decodeHtml(html: string): string {
  return decodeEntities(html.replace(/<[^>]+>/g, ''));
}

/** The job summary's table header. */
export const SUMMARY_COLUMNS = [
  'Server',
  'Status',
  'Attempts',
  'Time',
  'Tools',
  'Prompts',
  'Changes',
  'What to do',
];

/**
 * The job summary's table as rows of plain-text cells, the header row first. Rows and cells may
 * carry attributes (`<td nowrap>`, `<td colspan="8">`); a cell's line breaks (`<br>`) become `\n`.
 */
export function summaryRows(summary: string): string[][] {
  return [...summary.matchAll(/<tr(?:\s[^>]*)?>(.*?)<\/tr>/gs)].map((row) =>
    [...(row[1] ?? '').matchAll(/<(t[hd])(?:\s[^>]*)?>(.*?)<\/\1>/gs)].map((cell) =>
      decodeHtml((cell[2] ?? '').replace(/<br\s*\/?>/g, '\n')),
    ),
  );
}

/** A server's row: Server, Status, Attempts, Time, Tools, Prompts, Changes, What to do. */
export function serverRow(summary: string, serverId = SERVER_ID): string[] {
  const row = summaryRows(summary).find((cells) => cells[0] === serverId);
  expect(row).toBeDefined();
  return row ?? [];
}

/** The summary's paragraphs above the table (the verdict, the next step), as plain text. */
export function summaryParagraphs(summary: string): string[] {
  return [...summary.matchAll(/<p>(.*?)<\/p>/gs)].map((paragraph) =>
    decodeHtml((paragraph[1] ?? '').replace(/<br\s*\/?>/g, '\n')),
  );
}

/** The Time cell of a server whose result says `duration_ms`. */
export function timeCell(durationMs: number): string {
  return formatDuration(durationMs);
}

/**
 * Asserts a result's `duration_ms` is a whole number of milliseconds the run could have spent:
 * from 0 to the run's own wall time (as its clock saw it), rounded up to a whole millisecond.
 */
export function expectDurationWithin(durationMs: number, wallMs: number): void {
  expect(Number.isInteger(durationMs)).toBe(true);
  expect(durationMs).toBeGreaterThanOrEqual(0);
  expect(durationMs).toBeLessThanOrEqual(Math.ceil(wallMs));
}
