// Reads and validates every input once, into a plain Settings object (the actions/checkout
// input-helper pattern). Nothing downstream reads inputs or the environment.
import * as core from '@actions/core';
import { redactor } from '../untrusted-text.js';

export type Credentials = (
  { kind: 'token'; token: string } | { kind: 'global-key'; email: string; key: string }
) & {
  /** Which inputs or variables supplied it, for the log: never the value. */
  source: string;
};

/** `server-id` as given: every server, some ids, or none (then `portalId` selects). */
export type ServerSelection = { kind: 'all' } | { kind: 'list'; ids: string[] };

export type BreakingChangeAction = 'warn' | 'fail' | 'ignore';

export interface Settings {
  credentials: Credentials;
  accountId: string;
  servers: ServerSelection;
  /** Every server of this portal is selected too. */
  portalId?: string;
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  timeoutMs: number;
  requestTimeoutMs: number;
  concurrency: number;
  expectedTools: string[];
  waitForReady: boolean;
  onBreakingChange: BreakingChangeAction;
  dryRun: boolean;
  /** Origin and path of the API root, without a trailing slash. */
  apiBaseUrl: string;
}

/** A bad input: the message names the input and what it expected, never a credential. */
export class InputError extends Error {
  override name = 'InputError';
}

/** Reads one input by its action.yml name; '' when not given. */
export type InputReader = (name: string) => string;

export const DEFAULTS = {
  'max-attempts': '5',
  'base-delay-seconds': '1',
  'max-delay-seconds': '30',
  'timeout-seconds': '300',
  'request-timeout-seconds': '30',
  concurrency: '4',
  'expected-tools': '',
  'wait-for-ready': 'true',
  'on-breaking-change': 'warn',
  'dry-run': 'false',
  'api-base-url': 'https://api.cloudflare.com/client/v4',
} as const;

const ENV_FALLBACKS = {
  'api-token': 'CLOUDFLARE_API_TOKEN',
  'api-email': 'CLOUDFLARE_EMAIL',
  'api-key': 'CLOUDFLARE_API_KEY',
  'account-id': 'CLOUDFLARE_ACCOUNT_ID',
} as const;

const MAX_ID_LENGTH = 32;
/** Cloudflare's rule for MCP server and portal ids. */
const ID_PATTERN = /^[a-z0-9_]+(?:-[a-z0-9_]+)*$/;
const ID_RULE =
  "an id is 1–32 lowercase letters, digits and _, with single - between them (like docs-mcp); it is the id shown in the server's details in the Cloudflare dashboard, not its display name";

/**
 * Names other actions use for the same values (cloudflare/wrangler-action's `apiToken`,
 * `accountId`, …): GitHub passes them on as INPUT_ variables this action would otherwise ignore.
 */
const FOREIGN_SPELLINGS: Readonly<Record<string, { ours: string; whose?: string }>> = {
  APITOKEN: { ours: 'api-token', whose: 'wrangler-action' },
  ACCOUNTID: { ours: 'account-id', whose: 'wrangler-action' },
  API_TOKEN: { ours: 'api-token' },
  ACCOUNT_ID: { ours: 'account-id' },
  SERVERID: { ours: 'server-id' },
  SERVER_ID: { ours: 'server-id' },
  PORTALID: { ours: 'portal-id' },
  PORTAL_ID: { ours: 'portal-id' },
};
// A GitHub job runs for at most six hours; longer figures are typos.
const SIX_HOURS_SECONDS = 6 * 60 * 60;

type Env = Readonly<Record<string, string | undefined>>;

/** The settings from the runner's inputs, with credentials masked before anything is logged. */
export function readSettings(env: Env = process.env): Settings {
  const read: InputReader = (name) => core.getInput(name);
  for (const secret of rawSecrets(read, env)) core.setSecret(secret);
  rejectForeignSpellings(env);
  const settings = parseSettings(read, env);
  core.info(`credentials: ${settings.credentials.source}`);
  return settings;
}

/**
 * An input this action does not have, spelled as another action spells one of its own, is a
 * mistake worth stopping for: ignored, it would leave the run on the wrong credentials.
 */
export function rejectForeignSpellings(env: Env): void {
  for (const name of Object.keys(env)) {
    if (!name.startsWith('INPUT_') || (env[name] ?? '').trim() === '') continue;
    const spelling = FOREIGN_SPELLINGS[name.slice('INPUT_'.length).toUpperCase()];
    if (spelling !== undefined) {
      const given = JSON.stringify(name.slice('INPUT_'.length).toLowerCase());
      const whose = spelling.whose === undefined ? '' : ` (the spelling ${spelling.whose} uses)`;
      throw new InputError(
        `${spelling.ours}: this action has no input named ${given}${whose}; name it ${spelling.ours}`,
      );
    }
  }
}

function inputOrEnv(read: InputReader, env: Env, name: keyof typeof ENV_FALLBACKS): string {
  return read(name).trim() || (env[ENV_FALLBACKS[name]] ?? '').trim();
}

/**
 * Every credential value as it will be sent, to be masked wherever it shows: a pasted `Bearer `
 * prefix and the whitespace around the value are no secret.
 */
function rawSecrets(read: InputReader, env: Env): string[] {
  const given = [
    read('api-token'),
    read('api-key'),
    env.CLOUDFLARE_API_TOKEN ?? '',
    env.CLOUDFLARE_API_KEY ?? '',
  ];
  return [...new Set(given.map(cleanToken))].filter((secret) => secret !== '');
}

function cleanToken(raw: string): string {
  return raw.trim().replace(/^bearer\s+/i, '');
}

export function parseSettings(read: InputReader, env: Env): Settings {
  try {
    return parseAll(read, env);
  } catch (error) {
    // A credential pasted into the wrong input must not be echoed back by its error message.
    if (error instanceof InputError)
      throw new InputError(redactor(rawSecrets(read, env))(error.message));
    throw error;
  }
}

function parseAll(read: InputReader, env: Env): Settings {
  const input = (name: keyof typeof DEFAULTS): string => read(name).trim() || DEFAULTS[name];
  const baseDelaySeconds = seconds(
    input('base-delay-seconds'),
    'base-delay-seconds',
    'zero allowed',
  );
  const maxDelaySeconds = seconds(input('max-delay-seconds'), 'max-delay-seconds', 'zero allowed');
  if (maxDelaySeconds < baseDelaySeconds) {
    throw new InputError(
      `max-delay-seconds: expected at least base-delay-seconds (${baseDelaySeconds}), got ${maxDelaySeconds}`,
    );
  }
  return {
    credentials: parseCredentials(read, env),
    accountId: parseAccountId(inputOrEnv(read, env, 'account-id')),
    ...parseSelection(read('server-id'), read('portal-id')),
    maxAttempts: wholeNumber(input('max-attempts'), 'max-attempts', 1, 100),
    baseDelayMs: baseDelaySeconds * 1000,
    maxDelayMs: maxDelaySeconds * 1000,
    timeoutMs: seconds(input('timeout-seconds'), 'timeout-seconds', 'positive') * 1000,
    requestTimeoutMs:
      seconds(input('request-timeout-seconds'), 'request-timeout-seconds', 'positive') * 1000,
    concurrency: wholeNumber(input('concurrency'), 'concurrency', 1, 64),
    expectedTools: splitList(read('expected-tools')),
    waitForReady: boolean(input('wait-for-ready'), 'wait-for-ready'),
    onBreakingChange: oneOf(input('on-breaking-change'), 'on-breaking-change', [
      'warn',
      'fail',
      'ignore',
    ] as const),
    dryRun: boolean(input('dry-run'), 'dry-run'),
    apiBaseUrl: parseApiBaseUrl(input('api-base-url')),
  };
}

/**
 * The first of: the api-token input; the api-email and api-key inputs; CLOUDFLARE_API_TOKEN;
 * CLOUDFLARE_EMAIL and CLOUDFLARE_API_KEY. Inputs beat the environment, which another step
 * (wrangler, say) may have left behind.
 */
function parseCredentials(read: InputReader, env: Env): Credentials {
  const fromInputs = credentialsFrom(
    read('api-token'),
    read('api-email'),
    read('api-key'),
    ['the api-token input', 'the api-email and api-key inputs'],
    ['api-token', 'api-email', 'api-key'],
  );
  if (fromInputs !== undefined) return fromInputs;
  const fromEnv = credentialsFrom(
    env.CLOUDFLARE_API_TOKEN ?? '',
    env.CLOUDFLARE_EMAIL ?? '',
    env.CLOUDFLARE_API_KEY ?? '',
    ['the CLOUDFLARE_API_TOKEN variable', 'the CLOUDFLARE_EMAIL and CLOUDFLARE_API_KEY variables'],
    ['api-token', 'api-email', 'api-key'],
  );
  if (fromEnv !== undefined) return fromEnv;
  throw new InputError(
    'api-token: no credentials given: set api-token (or CLOUDFLARE_API_TOKEN), or api-email with api-key',
  );
}

/** Credentials from one source (inputs or variables); undefined when it gives none. */
function credentialsFrom(
  rawToken: string,
  rawEmail: string,
  rawKey: string,
  [tokenSource, keySource]: [string, string],
  [tokenName, emailName, keyName]: [string, string, string],
): Credentials | undefined {
  if (/^\s*bearer\s*$/i.test(rawToken)) {
    // `Bearer ${{ secrets.X }}` with the secret unset: not a token, and no reason to fall back.
    throw new InputError(
      `${tokenName}: only the word Bearer was given, from ${tokenSource}: the secret meant to follow it is empty or not set`,
    );
  }
  const token = cleanToken(rawToken);
  if (token !== '') {
    if (!/^[\x21-\x7e]+$/.test(token)) {
      throw new InputError(
        `${tokenName}: expected a Cloudflare API token (printable characters, no spaces), from ${tokenSource}`,
      );
    }
    return { kind: 'token', token, source: `API token from ${tokenSource}` };
  }
  const email = rawEmail.trim();
  const key = rawKey.trim();
  if (email === '' && key === '') return undefined;
  // Half a pair is a mistake, not a reason to fall back to credentials from elsewhere.
  if (key === '')
    throw new InputError(`${keyName}: required with ${emailName} (or set api-token instead)`);
  if (email === '')
    throw new InputError(`${emailName}: required with ${keyName} (or set api-token instead)`);
  if (!/^[^\s@]+@[^\s@]+$/.test(email)) {
    throw new InputError(`${emailName}: expected the email address of the Cloudflare account`);
  }
  if (!/^[\x21-\x7e]+$/.test(key)) {
    throw new InputError(`${keyName}: expected a Global API Key (printable characters, no spaces)`);
  }
  return { kind: 'global-key', email, key, source: `Global API Key from ${keySource}` };
}

function parseAccountId(value: string): string {
  // The value is not echoed: a secret pasted into the wrong input must not reach the log.
  if (value === '') throw new InputError('account-id: required (or set CLOUDFLARE_ACCOUNT_ID)');
  if (!/^[0-9a-f]{32}$/i.test(value)) {
    const length = Array.from(value).length;
    // Its length, and which kind of character is wrong, say enough to find the mistake.
    const got =
      length === 32 ? '32 characters, not all of them 0-9 or a-f' : `${length} characters`;
    throw new InputError(`account-id: expected 32 hexadecimal characters, got ${got}`);
  }
  return value;
}

/** Splits a comma/newline separated list, dropping blank entries and repeats. */
function splitList(value: string): string[] {
  const items = value.split(/[,\r\n]+/).map((item) => item.trim());
  return [...new Set(items.filter((item) => item !== ''))];
}

function parseSelection(
  serverIds: string,
  portalIds: string,
): Pick<Settings, 'servers' | 'portalId'> {
  const ids = splitList(serverIds);
  const portals = splitList(portalIds);
  if (ids.length === 0 && portals.length === 0) {
    // An unset job output or variable expands to nothing: say where such values come from.
    const given = serverIds.trim() === '' ? 'empty' : 'only separators';
    throw new InputError(
      `server-id: required (or portal-id), but it is ${given}; when it comes from an expression such as \${{ steps.deploy.outputs.server-id }} or \${{ vars.MCP_SERVER_ID }}, that output or variable is not set`,
    );
  }
  if (portals.length > 1) {
    throw new InputError(`portal-id: expected one MCP portal id, got ${portals.length}`);
  }
  const [portalId] = portals;
  if (portalId !== undefined) {
    const problem = idProblem(portalId);
    if (problem !== undefined) throw new InputError(`portal-id: ${problem}`);
  }
  if (ids.includes('*')) {
    if (ids.length > 1)
      throw new InputError('server-id: * (every server) cannot be combined with ids');
    return { servers: { kind: 'all' }, ...(portalId === undefined ? {} : { portalId }) };
  }
  for (const id of ids) {
    const problem = idProblem(id);
    if (problem !== undefined) throw new InputError(`server-id: ${problem}`);
  }
  return { servers: { kind: 'list', ids }, ...(portalId === undefined ? {} : { portalId }) };
}

/** Why `id` cannot be an MCP server or portal id under Cloudflare's rule, or undefined. */
export function idProblem(id: string): string | undefined {
  const length = Array.from(id).length;
  const shown = JSON.stringify(Array.from(id).slice(0, 40).join(''));
  if (length > MAX_ID_LENGTH) {
    return `${shown} is ${length} characters long, not an id: ${ID_RULE}`;
  }
  if (!ID_PATTERN.test(id)) return `${shown} is not an id: ${ID_RULE}`;
  return undefined;
}

function boolean(value: string, name: string): boolean {
  if (/^true$/i.test(value)) return true;
  if (/^false$/i.test(value)) return false;
  throw new InputError(`${name}: expected true or false, got ${quote(value)}`);
}

function oneOf<T extends string>(value: string, name: string, allowed: readonly T[]): T {
  const found = allowed.find((option) => option === value.toLowerCase());
  if (found === undefined) {
    const options = `${allowed.slice(0, -1).join(', ')} or ${allowed.at(-1) ?? ''}`;
    throw new InputError(`${name}: expected ${options}, got ${quote(value)}`);
  }
  return found;
}

function wholeNumber(value: string, name: string, min: number, max: number): number {
  const number = /^\d{1,6}$/.test(value) ? Number(value) : NaN;
  if (!(number >= min && number <= max)) {
    throw new InputError(
      `${name}: expected a whole number from ${min} to ${max}, got ${quote(value)}`,
    );
  }
  return number;
}

/** A decimal number of seconds (millisecond precision), at most six hours. */
function seconds(value: string, name: string, zero: 'zero allowed' | 'positive'): number {
  const number = /^(\d{1,6}(\.\d{1,3})?|\.\d{1,3})$/.test(value) ? Number(value) : NaN;
  const tooSmall = zero === 'positive' ? !(number > 0) : !(number >= 0);
  if (tooSmall || !(number <= SIX_HOURS_SECONDS)) {
    const lower = zero === 'positive' ? 'more than 0' : 'from 0';
    throw new InputError(
      `${name}: expected a number of seconds ${lower} up to ${SIX_HOURS_SECONDS}, got ${quote(value)}`,
    );
  }
  return number;
}

function quote(value: string): string {
  return JSON.stringify(Array.from(value).slice(0, 40).join(''));
}

function parseApiBaseUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InputError(`api-base-url: expected an https:// URL, got ${quote(value)}`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new InputError('api-base-url: expected no user name or password in the URL');
  }
  if (url.search !== '' || url.hash !== '') {
    throw new InputError('api-base-url: expected no query or fragment in the URL');
  }
  if (url.protocol === 'http:' && !isLoopback(url.hostname)) {
    throw new InputError(
      'api-base-url: expected https://; plain http:// is allowed only for loopback hosts',
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new InputError(`api-base-url: expected an https:// URL, got ${quote(url.protocol)}`);
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
}
