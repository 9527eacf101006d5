// parseSettings with a fake input reader: defaults, environment fallbacks, credentials, server ids,
// numbers and the API root. Every failure must be an InputError that names the input and never
// echoes a credential. The last block pins DEFAULTS, action.yml and the version to each other.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { DEFAULTS, InputError, parseSettings, type Settings } from '../../src/inputs/inputs.js';
import { ACTION_VERSION } from '../../src/version.js';

const TOKEN = 'cfut_UNIT_FAKE_TOKEN_7f3a9c';
const OTHER_TOKEN = 'cfut_UNIT_FAKE_ENV_TOKEN_d41e02';
const EMAIL = 'unit-fake@example.com';
const KEY = 'cfk_UNIT_FAKE_GLOBAL_KEY_b8e51a';
const ACCOUNT_ID = '0123456789abcdef0123456789abcdef';
/** Looks like a credential pasted into the wrong input: it must never be echoed back. */
const SECRET_LIKE = 'cfut_PASTED_INTO_ACCOUNT_ID_9c2e77';
const SECRETS = [TOKEN, OTHER_TOKEN, KEY, SECRET_LIKE];

type Inputs = Record<string, string>;
type Env = Record<string, string>;

const BASE_INPUTS: Inputs = {
  'api-token': TOKEN,
  'account-id': ACCOUNT_ID,
  'server-id': 'docs-server',
};

/** Reads like core.getInput: '' for anything not given. */
function reader(inputs: Inputs): (name: string) => string {
  return (name) => inputs[name] ?? '';
}

function settings(overrides: Inputs = {}, env: Env = {}, base: Inputs = BASE_INPUTS): Settings {
  return parseSettings(reader({ ...base, ...overrides }), env);
}

/** The InputError that parsing throws; fails the test when it does not throw one. */
function inputError(overrides: Inputs, env: Env = {}, base: Inputs = BASE_INPUTS): InputError {
  try {
    settings(overrides, env, base);
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return error as InputError;
  }
  throw new Error(`expected an InputError for ${JSON.stringify(overrides)}`);
}

/** Parsing fails with a message that starts with `name:` and contains no credential. */
function expectRejected(
  name: string,
  overrides: Inputs,
  env: Env = {},
  base: Inputs = BASE_INPUTS,
): string {
  const { message } = inputError(overrides, env, base);
  expect(message.startsWith(`${name}:`)).toBe(true);
  for (const secret of SECRETS) expect(message).not.toContain(secret);
  return message;
}

describe('defaults', () => {
  it('applies every default when the optional inputs are absent', () => {
    expect(settings()).toEqual({
      credentials: { kind: 'token', token: TOKEN },
      accountId: ACCOUNT_ID,
      servers: { kind: 'list', ids: ['docs-server'] },
      maxAttempts: 5,
      baseDelayMs: 1000,
      maxDelayMs: 30_000,
      timeoutMs: 300_000,
      requestTimeoutMs: 30_000,
      concurrency: 4,
      expectedTools: [],
      apiBaseUrl: 'https://api.cloudflare.com/client/v4',
    });
  });

  it('treats whitespace-only optional inputs as absent', () => {
    const blank = Object.fromEntries(Object.keys(DEFAULTS).map((name) => [name, '  \n']));
    expect(settings(blank)).toEqual(settings());
  });
});

describe('credentials', () => {
  it.each([
    ['CLOUDFLARE_API_TOKEN', { CLOUDFLARE_API_TOKEN: TOKEN }, { kind: 'token', token: TOKEN }],
    [
      'CLOUDFLARE_EMAIL and CLOUDFLARE_API_KEY',
      { CLOUDFLARE_EMAIL: EMAIL, CLOUDFLARE_API_KEY: KEY },
      { kind: 'global-key', email: EMAIL, key: KEY },
    ],
  ])('falls back to %s from the environment', (_name, env, expected) => {
    expect(settings({ 'api-token': '' }, env).credentials).toEqual(expected);
  });

  it('falls back to CLOUDFLARE_ACCOUNT_ID from the environment', () => {
    expect(settings({ 'account-id': '' }, { CLOUDFLARE_ACCOUNT_ID: ACCOUNT_ID }).accountId).toBe(
      ACCOUNT_ID,
    );
  });

  it('prefers the input to the environment', () => {
    const env = { CLOUDFLARE_API_TOKEN: OTHER_TOKEN, CLOUDFLARE_ACCOUNT_ID: 'f'.repeat(32) };
    const parsed = settings({}, env);
    expect(parsed.credentials).toEqual({ kind: 'token', token: TOKEN });
    expect(parsed.accountId).toBe(ACCOUNT_ID);
  });

  it('prefers a token to email and key', () => {
    expect(settings({ 'api-email': EMAIL, 'api-key': KEY }).credentials).toEqual({
      kind: 'token',
      token: TOKEN,
    });
  });

  it('reads the legacy email and key inputs', () => {
    expect(settings({ 'api-token': '', 'api-email': EMAIL, 'api-key': KEY }).credentials).toEqual({
      kind: 'global-key',
      email: EMAIL,
      key: KEY,
    });
  });

  it.each([
    `Bearer ${TOKEN}`,
    `bearer ${TOKEN}`,
    `BEARER\t${TOKEN}`,
    `  Bearer   ${TOKEN}  \n`,
    `\n${TOKEN}\n`,
  ])('strips a pasted Bearer prefix and surrounding whitespace from %j', (given) => {
    expect(settings({ 'api-token': given }).credentials).toEqual({ kind: 'token', token: TOKEN });
  });

  it.each([
    ['api-key', { 'api-email': EMAIL }],
    ['api-email', { 'api-key': KEY }],
  ])('names the missing %s when legacy auth is half given', (missing, given) => {
    const message = expectRejected(missing, { 'api-token': '', ...given });
    expect(message).toContain('required');
  });

  it('fails naming api-token when no credential is given at all', () => {
    expectRejected('api-token', { 'api-token': '' });
  });

  it.each([
    ['api-token', { 'api-token': `${TOKEN} ${TOKEN}` }],
    ['api-key', { 'api-token': '', 'api-email': EMAIL, 'api-key': `${KEY} x` }],
    ['api-email', { 'api-token': '', 'api-email': 'not an email', 'api-key': KEY }],
  ])('rejects a malformed %s without echoing it', (name, given) => {
    expectRejected(name, given);
  });
});

describe('server-id', () => {
  const ids = (value: string): Settings['servers'] => settings({ 'server-id': value }).servers;

  it.each([
    ['a single id', 'docs', ['docs']],
    ['a comma list', 'a,b,c', ['a', 'b', 'c']],
    ['a newline list', 'a\nb\r\nc', ['a', 'b', 'c']],
    [
      'a mixed list with blank entries and a trailing newline',
      ' a , b\n\n,c,\n  d \n',
      ['a', 'b', 'c', 'd'],
    ],
    ['duplicates, keeping the first in order', 'b,a,b\na,c', ['b', 'a', 'c']],
    ['ids with / ? # %, encoded later', 'a/b,c?d,e#f,100%', ['a/b', 'c?d', 'e#f', '100%']],
    ['an id of exactly 32 characters', 'x'.repeat(32), ['x'.repeat(32)]],
  ])('accepts %s', (_case, value, expected) => {
    expect(ids(value)).toEqual({ kind: 'list', ids: expected });
  });

  it.each(['*', ' * ', '*\n', '*,*'])('reads %j as every server', (value) => {
    expect(ids(value)).toEqual({ kind: 'all' });
  });

  it.each([
    ['* mixed with ids', 'a,*'],
    ['an empty value', ''],
    ['whitespace only', ' \n\t, ,\n'],
    ['an id with a space', 'my server'],
    ['an id with a tab', 'my\tserver'],
    ['an id with NUL', 'a\u0000b'],
    ['an id with ESC', 'a\u001b[31mb'],
    ['an id with DEL', 'a\u007fb'],
    ['an id with NEL', 'a\u0085b'],
    ['.', '.'],
    ['..', '..'],
    ['.. in a list', 'a,..'],
    ['an id of 33 characters', 'x'.repeat(33)],
  ])('rejects %s', (_case, value) => {
    expectRejected('server-id', { 'server-id': value });
  });
});

describe('numbers', () => {
  it.each([
    ['max-attempts', '1', 'maxAttempts', 1],
    ['max-attempts', '100', 'maxAttempts', 100],
    ['concurrency', '64', 'concurrency', 64],
    ['base-delay-seconds', '0', 'baseDelayMs', 0],
    ['base-delay-seconds', '0.25', 'baseDelayMs', 250],
    ['max-delay-seconds', '0.25', 'maxDelayMs', 250],
    ['timeout-seconds', '0.5', 'timeoutMs', 500],
    ['request-timeout-seconds', '0.25', 'requestTimeoutMs', 250],
    ['timeout-seconds', '21600', 'timeoutMs', 21_600_000],
  ] as const)('accepts %s = %j', (name, value, field, expected) => {
    const overrides: Inputs = { [name]: value };
    if (name === 'max-delay-seconds') overrides['base-delay-seconds'] = '0';
    expect(settings(overrides)[field]).toBe(expected);
  });

  const EVERY_NUMBER_INPUT = [
    'max-attempts',
    'concurrency',
    'base-delay-seconds',
    'max-delay-seconds',
    'timeout-seconds',
    'request-timeout-seconds',
  ];
  const MALFORMED: [label: string, value: string][] = [
    ['negative', '-1'],
    ['NaN', 'NaN'],
    ['Infinity', 'Infinity'],
    ['-Infinity', '-Infinity'],
    ['exponent', '1e3'],
    ['hexadecimal', '0x10'],
    ['huge (400 digits)', '1'.repeat(400)],
    ['too large', '99999999'],
    ['a word', 'five'],
    ['a decimal comma', '1,5'],
  ];

  it.each(
    EVERY_NUMBER_INPUT.flatMap((name) => MALFORMED.map(([label, value]) => [name, label, value])),
  )('rejects %s: %s', (name, _label, value) => {
    expectRejected(name, { [name]: value });
  });

  it.each(['max-attempts', 'concurrency', 'timeout-seconds', 'request-timeout-seconds'])(
    'rejects zero for %s',
    (name) => {
      expectRejected(name, { [name]: '0' });
    },
  );

  it.each([
    ['max-attempts', '2.5'],
    ['max-attempts', '101'],
    ['concurrency', '1.5'],
    ['concurrency', '65'],
    ['timeout-seconds', '21600.001'],
  ])('rejects %s = %j', (name, value) => {
    expectRejected(name, { [name]: value });
  });

  it('rejects max-delay-seconds below base-delay-seconds', () => {
    expectRejected('max-delay-seconds', { 'base-delay-seconds': '10', 'max-delay-seconds': '5' });
  });

  it('accepts max-delay-seconds equal to base-delay-seconds', () => {
    const parsed = settings({ 'base-delay-seconds': '7', 'max-delay-seconds': '7' });
    expect([parsed.baseDelayMs, parsed.maxDelayMs]).toEqual([7000, 7000]);
  });
});

describe('account-id', () => {
  it.each([
    ['a secret-like value', SECRET_LIKE],
    ['31 hex characters', 'a'.repeat(31)],
    ['33 hex characters', 'a'.repeat(33)],
    ['32 non-hex characters', 'g'.repeat(32)],
  ])('rejects %s without echoing it', (_case, value) => {
    const message = expectRejected('account-id', { 'account-id': value });
    expect(message).not.toContain(value);
  });

  it('fails when neither the input nor CLOUDFLARE_ACCOUNT_ID is given', () => {
    expectRejected('account-id', { 'account-id': '' });
  });

  it('accepts upper-case hexadecimal', () => {
    expect(settings({ 'account-id': ACCOUNT_ID.toUpperCase() }).accountId).toBe(
      ACCOUNT_ID.toUpperCase(),
    );
  });
});

describe('api-base-url', () => {
  it.each([
    ['https://api.example.com/client/v4', 'https://api.example.com/client/v4'],
    ['https://api.example.com/client/v4/', 'https://api.example.com/client/v4'],
    ['https://api.example.com', 'https://api.example.com'],
    ['http://localhost', 'http://localhost'],
    ['http://localhost:8787/client/v4/', 'http://localhost:8787/client/v4'],
    ['http://127.0.0.5:8080', 'http://127.0.0.5:8080'],
    ['http://[::1]:9', 'http://[::1]:9'],
  ])('accepts %s', (given, expected) => {
    expect(settings({ 'api-base-url': given }).apiBaseUrl).toBe(expected);
  });

  it.each([
    ['plain http to a public host', 'http://example.com'],
    ['plain http to a private address', 'http://10.0.0.1'],
    ['plain http to a host that only starts like loopback', 'http://localhost.example.com'],
    ['ftp', 'ftp://example.com/'],
    ['a user and password', 'https://user:pass@api.example.com'],
    ['a query', 'https://api.example.com/client/v4?x=1'],
    ['a fragment', 'https://api.example.com/client/v4#top'],
    ['not a URL', 'not-a-url'],
  ])('rejects %s', (_case, value) => {
    const message = expectRejected('api-base-url', { 'api-base-url': value });
    expect(message).not.toContain('pass@');
  });
});

describe('expected-tools', () => {
  it('parses a comma/newline list, dropping blanks and repeats', () => {
    expect(
      settings({ 'expected-tools': 'search, fetch\nsearch\n\n summarize ,' }).expectedTools,
    ).toEqual(['search', 'fetch', 'summarize']);
  });
});

describe('action.yml, DEFAULTS and the version agree', () => {
  const root = new URL('../../', import.meta.url);
  const actionYml = parse(readFileSync(new URL('action.yml', root), 'utf8')) as {
    inputs: Record<string, { default?: unknown; required?: boolean }>;
    outputs: Record<string, unknown>;
  };
  // The names fixed by the public contract (CONTRACT.md).
  const CONTRACT_INPUTS = [
    'api-token',
    'api-email',
    'api-key',
    'account-id',
    'server-id',
    'max-attempts',
    'base-delay-seconds',
    'max-delay-seconds',
    'timeout-seconds',
    'request-timeout-seconds',
    'concurrency',
    'expected-tools',
    'api-base-url',
  ];
  const CONTRACT_OUTPUTS = ['status', 'error', 'error-details', 'retryable', 'attempts', 'results'];

  it('declares exactly the contract inputs and outputs', () => {
    expect(Object.keys(actionYml.inputs).sort()).toEqual([...CONTRACT_INPUTS].sort());
    expect(Object.keys(actionYml.outputs).sort()).toEqual([...CONTRACT_OUTPUTS].sort());
  });

  it('gives every input with a default the same default as DEFAULTS, and no other input one', () => {
    const declared = Object.entries(actionYml.inputs)
      .filter(([, input]) => input.default !== undefined)
      .map(([name, input]) => [name, String(input.default)]);
    expect(Object.fromEntries(declared)).toEqual(DEFAULTS);
  });

  it('requires server-id only', () => {
    const required = Object.entries(actionYml.inputs).filter(
      ([, input]) => input.required === true,
    );
    expect(required.map(([name]) => name)).toEqual(['server-id']);
  });

  it('has ACTION_VERSION equal to the package.json version', () => {
    const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as {
      version: string;
    };
    expect(ACTION_VERSION).toBe(pkg.version);
  });
});
