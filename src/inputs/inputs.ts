// Reads and validates every input once, into a plain Settings object (the actions/checkout
// input-helper pattern). Nothing downstream reads inputs or the environment.
import * as core from '@actions/core';
import { redactor } from '../untrusted-text.js';

export type Credentials =
  { kind: 'token'; token: string } | { kind: 'global-key'; email: string; key: string };

export type ServerSelection = { kind: 'all' } | { kind: 'list'; ids: string[] };

export interface Settings {
  credentials: Credentials;
  accountId: string;
  servers: ServerSelection;
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  timeoutMs: number;
  requestTimeoutMs: number;
  concurrency: number;
  expectedTools: string[];
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
  'api-base-url': 'https://api.cloudflare.com/client/v4',
} as const;

const ENV_FALLBACKS = {
  'api-token': 'CLOUDFLARE_API_TOKEN',
  'api-email': 'CLOUDFLARE_EMAIL',
  'api-key': 'CLOUDFLARE_API_KEY',
  'account-id': 'CLOUDFLARE_ACCOUNT_ID',
} as const;

const MAX_ID_LENGTH = 32;
// A GitHub job runs for at most six hours; longer figures are typos.
const SIX_HOURS_SECONDS = 6 * 60 * 60;

type Env = Readonly<Record<string, string | undefined>>;

/** The settings from the runner's inputs, with credentials masked before anything is logged. */
export function readSettings(env: Env = process.env): Settings {
  const read: InputReader = (name) => core.getInput(name);
  for (const secret of rawSecrets(read, env)) core.setSecret(secret);
  return parseSettings(read, env);
}

function withFallback(read: InputReader, env: Env, name: keyof typeof ENV_FALLBACKS): string {
  return read(name).trim() || (env[ENV_FALLBACKS[name]] ?? '').trim();
}

/** Every credential value as given and as it will be sent, so each form is masked. */
function rawSecrets(read: InputReader, env: Env): string[] {
  const given = [withFallback(read, env, 'api-token'), withFallback(read, env, 'api-key')];
  return [...new Set([...given, cleanToken(given[0] ?? '')])].filter((secret) => secret !== '');
}

function cleanToken(raw: string): string {
  return raw.replace(/^bearer\s+/i, '').trim();
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
    accountId: parseAccountId(withFallback(read, env, 'account-id')),
    servers: parseServerSelection(read('server-id')),
    maxAttempts: wholeNumber(input('max-attempts'), 'max-attempts', 1, 100),
    baseDelayMs: baseDelaySeconds * 1000,
    maxDelayMs: maxDelaySeconds * 1000,
    timeoutMs: seconds(input('timeout-seconds'), 'timeout-seconds', 'positive') * 1000,
    requestTimeoutMs:
      seconds(input('request-timeout-seconds'), 'request-timeout-seconds', 'positive') * 1000,
    concurrency: wholeNumber(input('concurrency'), 'concurrency', 1, 64),
    expectedTools: splitList(read('expected-tools')),
    apiBaseUrl: parseApiBaseUrl(input('api-base-url')),
  };
}

function parseCredentials(read: InputReader, env: Env): Credentials {
  const token = cleanToken(withFallback(read, env, 'api-token'));
  if (token !== '') {
    if (!/^[\x21-\x7e]+$/.test(token)) {
      throw new InputError(
        'api-token: expected a Cloudflare API token (printable characters, no spaces)',
      );
    }
    return { kind: 'token', token };
  }
  const email = withFallback(read, env, 'api-email');
  const key = withFallback(read, env, 'api-key');
  if (email === '' && key === '') {
    throw new InputError(
      'api-token: no credentials given: set api-token (or CLOUDFLARE_API_TOKEN), or api-email with api-key',
    );
  }
  if (key === '')
    throw new InputError('api-key: required with api-email (or set api-token instead)');
  if (email === '')
    throw new InputError('api-email: required with api-key (or set api-token instead)');
  if (!/^[^\s@]+@[^\s@]+$/.test(email)) {
    throw new InputError('api-email: expected the email address of the Cloudflare account');
  }
  if (!/^[\x21-\x7e]+$/.test(key)) {
    throw new InputError('api-key: expected a Global API Key (printable characters, no spaces)');
  }
  return { kind: 'global-key', email, key };
}

function parseAccountId(value: string): string {
  // The value is not echoed: a secret pasted into the wrong input must not reach the log.
  if (value === '') throw new InputError('account-id: required (or set CLOUDFLARE_ACCOUNT_ID)');
  if (!/^[0-9a-f]{32}$/i.test(value)) {
    throw new InputError(
      `account-id: expected 32 hexadecimal characters, got ${Array.from(value).length} characters`,
    );
  }
  return value;
}

/** Splits a comma/newline separated list, dropping blank entries and repeats. */
export function splitList(value: string): string[] {
  const items = value.split(/[,\r\n]+/).map((item) => item.trim());
  return [...new Set(items.filter((item) => item !== ''))];
}

function parseServerSelection(value: string): ServerSelection {
  const ids = splitList(value);
  if (ids.length === 0) {
    throw new InputError('server-id: required: one MCP server id, a comma/newline list, or *');
  }
  if (ids.includes('*')) {
    if (ids.length > 1)
      throw new InputError('server-id: * (every server) cannot be combined with ids');
    return { kind: 'all' };
  }
  for (const id of ids) {
    const problem = serverIdProblem(id);
    if (problem !== undefined) throw new InputError(`server-id: ${problem}`);
  }
  return { kind: 'list', ids };
}

/**
 * Why `id` cannot be an MCP server id, or undefined when it can. Shared by the input and by ids
 * read from the list endpoint, which are just as untrusted.
 */
export function serverIdProblem(id: string): string | undefined {
  const length = Array.from(id).length;
  const shown = JSON.stringify(Array.from(id).slice(0, 40).join(''));
  if (length === 0) return 'expected a non-empty id';
  if (length > MAX_ID_LENGTH) return `expected at most ${MAX_ID_LENGTH} characters, got ${length}`;
  // Format characters (bidi overrides, zero-width) and lone surrogates are invisible or
  // unencodable: no real id has them.
  if (/[\s\p{Cc}\p{Cf}\p{Cs}]/u.test(id)) {
    return `expected no whitespace or control characters in ${shown}`;
  }
  if (id === '.' || id === '..') return `expected an id, not ${shown}`;
  return undefined;
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
  const number = /^\d{1,6}(\.\d{1,3})?$/.test(value) ? Number(value) : NaN;
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
