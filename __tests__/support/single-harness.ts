// Shared by the single-server integration tests (single-run and single-dist): the fake account,
// credentials that are easy to spot if they leak, reply builders, and readers for what a run
// leaves behind (log lines, annotations, the job summary). Nothing here prints a credential.
import { createServer } from 'node:net';
import { expect } from '@jest/globals';
import {
  FakeCloudflareApi,
  type FakeApiOptions,
  type FakeServer,
  type RecordedRequest,
  type ScriptedReply,
} from '../../scripts/fake-cloudflare-api.js';

export const TOKEN = 'cfut_INTEGRATION_SECRET_9d2e71';
export const API_KEY = 'gkey_INTEGRATION_SECRET_41b7aa';
export const EMAIL = 'ci-bot@example.com';
export const ACCOUNT_ID = '5f3c9a1e7b2d4c6e8a0b1c2d3e4f5a6b';
export const SERVER_ID = 'docs-mcp';
export const TOOLS = ['search_docs', 'fetch_page'];
export const PROMPTS = ['summarize'];
export const RAY_ID = '8f1e2d3c4b5a6978-SJC';

/** Every credential a test hands the action; none may show up anywhere the user can read. */
export const SECRETS: readonly string[] = [TOKEN, API_KEY];

export const SYNC_PATH = `/client/v4/accounts/${ACCOUNT_ID}/access/ai-controls/mcp/servers/${SERVER_ID}/sync`;
export const READ_PATH = `/client/v4/accounts/${ACCOUNT_ID}/access/ai-controls/mcp/servers/${SERVER_ID}`;

// ---------------------------------------------------------------------------------------------
// The fake API

const started: FakeCloudflareApi[] = [];

export interface FakeSetup extends FakeApiOptions {
  /** Replies to successive syncs of SERVER_ID; once used up, syncs succeed as `ready`. */
  syncReplies?: ScriptedReply[];
}

/**
 * A fake account holding SERVER_ID (with TOOLS and PROMPTS) that accepts TOKEN, unless the
 * options say otherwise. Stopped by stopFakes().
 */
export async function startFake(setup: FakeSetup = {}): Promise<FakeCloudflareApi> {
  const { syncReplies, ...options } = setup;
  const server: FakeServer = { id: SERVER_ID, tools: TOOLS, prompts: PROMPTS };
  if (syncReplies !== undefined) server.syncReplies = [...syncReplies];
  const fake = new FakeCloudflareApi({
    accountId: ACCOUNT_ID,
    servers: [server],
    ...(options.email === undefined ? { token: TOKEN } : {}),
    ...options,
  });
  started.push(fake);
  await fake.start();
  return fake;
}

export async function stopFakes(): Promise<void> {
  await Promise.all(started.splice(0).map((fake) => fake.stop()));
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
// Replies

export function envelope(result: unknown): Record<string, unknown> {
  return { success: true, errors: [], messages: [], result };
}

/** A successful sync with the given status and a known cf-ray. */
export function synced(status = 'ready', headers: Record<string, string> = {}): ScriptedReply {
  return { status: 200, headers: { 'cf-ray': RAY_ID, ...headers }, body: envelope({ status }) };
}

/** The HTML page Cloudflare's edge serves for its own 52x errors. */
export function edgeErrorPage(status: number): ScriptedReply {
  return {
    status,
    rawBody: `<!DOCTYPE html><html><head><title>Error ${status}</title></head><body>cloudflare</body></html>`,
  };
}

export const FULL_ERROR_DETAILS = {
  cause: '401 Unauthorized: invalid bearer token',
  is_upstream: true,
  mcp_code: -32001,
  retryable: false,
  status_code: 401,
} as const;

// ---------------------------------------------------------------------------------------------
// What a run leaves behind

export interface Observed {
  stdout: string;
  stderr?: string;
  outputs: Record<string, string>;
  summary: string;
}

/**
 * Asserts that no credential appears in stdout, stderr, any output or the summary. The only
 * exception is a stdout line that is exactly `::add-mask::<value>` for a value in `maskable`
 * (the runner swallows those lines). A failure names where the leak is, with the secret
 * redacted, so the assertion itself never prints a credential.
 */
export function expectNoCredentialLeak(
  observed: Observed,
  maskable: readonly string[] = SECRETS,
): void {
  const redact = (text: string): string =>
    SECRETS.reduce((out, secret, index) => out.split(secret).join(`<secret #${index}>`), text);
  const leaks: string[] = [];
  const check = (where: string, text: string): void => {
    if (SECRETS.some((secret) => text.includes(secret))) leaks.push(`${where}: ${redact(text)}`);
  };
  observed.stdout.split('\n').forEach((line, index) => {
    const mask = /^::add-mask::(.*)$/.exec(line.replace(/\r$/, ''));
    if (mask !== null && maskable.includes(mask[1] ?? '')) return;
    check(`stdout line ${index + 1}`, line);
  });
  check('stderr', observed.stderr ?? '');
  for (const [name, value] of Object.entries(observed.outputs)) check(`output ${name}`, value);
  check('summary', observed.summary);
  // The summary escapes `_` and friends as entities, which would hide a credential from a plain
  // search; read it as the user sees it, too.
  check('summary as rendered', decodeHtml(observed.summary));
  expect(leaks).toEqual([]);
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

/** Whether the log asked the runner to mask `secret` (checked without printing it). */
export function masks(stdout: string, secret: string): boolean {
  return stdout.split(/\r?\n/).includes(`::add-mask::${secret}`);
}

export function lines(stdout: string): string[] {
  return stdout.split(/\r?\n/).filter((line) => line !== '');
}

/** The log's line for each sync attempt of SERVER_ID. */
export function attemptLines(stdout: string, serverId = SERVER_ID): string[] {
  return lines(stdout).filter((line) => line.startsWith(`sync ${serverId}: attempt `));
}

export function annotations(stdout: string, kind: 'error' | 'warning'): string[] {
  return lines(stdout).filter(
    (line) => line.startsWith(`::${kind} `) || line.startsWith(`::${kind}::`),
  );
}

/** The annotation the action writes for a failed server. */
export const SERVER_ERROR_PREFIX = `::error title=MCP server ${SERVER_ID} failed to sync::`;

export interface ResultJson {
  server_id: string;
  status: string;
  error: string | null;
  error_details: Record<string, unknown> | null;
  attempts: number;
  duration_ms: number;
  tools: string[] | null;
  prompts: string[] | null;
  ray_id: string | null;
}

export function results(outputs: Record<string, string>): ResultJson[] {
  return JSON.parse(outputs.results ?? 'null') as ResultJson[];
}

/** The single server's result, asserting there is exactly one. */
export function onlyResult(outputs: Record<string, string>): ResultJson {
  const all = results(outputs);
  expect(all).toHaveLength(1);
  return all[0] as ResultJson;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"' };

/** HTML (the job summary) as plain text: tags dropped, entities decoded. */
export function decodeHtml(html: string): string {
  return html
    .replace(/<[^>]+>/g, '')
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCodePoint(Number(code)))
    .replace(/&(amp|lt|gt|quot);/g, (_, name: string) => ENTITIES[name] ?? '');
}

/** The job summary's table as rows of plain-text cells (header row first). */
export function summaryRows(summary: string): string[][] {
  return [...summary.matchAll(/<tr>(.*?)<\/tr>/gs)].map((row) =>
    [...(row[1] ?? '').matchAll(/<t[hd]>(.*?)<\/t[hd]>/gs)].map((cell) =>
      decodeHtml(cell[1] ?? ''),
    ),
  );
}

/** SERVER_ID's row: Server, Status, Attempts, Time, Tools, Prompts, Error. */
export function serverRow(summary: string, serverId = SERVER_ID): string[] {
  const row = summaryRows(summary).find((cells) => cells[0] === serverId);
  expect(row).toBeDefined();
  return row ?? [];
}

/** What the summary's Time cell looks like: `0.3 s`, `12 s`. */
export const TIME_CELL = /^\d+(\.\d)? s$/;

/** Milliseconds between the arrival of two recorded requests. */
export function gapMs(fake: FakeCloudflareApi, first: number, second: number): number {
  const a = fake.requests[first];
  const b = fake.requests[second];
  if (a === undefined || b === undefined) throw new Error('request not recorded');
  return b.at - a.at;
}

/** A Retry-After HTTP date on a whole second, at least `aheadMs` from now. */
export function httpDateAhead(aheadMs: number): { header: string; atMs: number } {
  const atMs = Math.ceil((Date.now() + aheadMs) / 1000) * 1000;
  return { header: new Date(atMs).toUTCString(), atMs };
}
