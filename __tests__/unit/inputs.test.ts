// parseSettings with a fake input reader: defaults, environment fallbacks, credentials, server and
// portal ids, switches, numbers and the API root; rejectForeignSpellings. Every failure must be an
// InputError that names the input and never echoes a credential. The last block pins DEFAULTS,
// action.yml and the version to each other.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import {
  DEFAULTS,
  InputError,
  parseSettings,
  rejectForeignSpellings,
  type Settings,
} from '../../src/inputs/inputs.js';
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

function settings(overrides: Inputs = {}, env: Env = {}): Settings {
  return parseSettings(reader({ ...BASE_INPUTS, ...overrides }), env);
}

/** The InputError that parsing throws; fails the test when it does not throw one. */
function inputError(overrides: Inputs, env: Env = {}): InputError {
  try {
    settings(overrides, env);
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return error as InputError;
  }
  throw new Error(`expected an InputError for ${JSON.stringify(overrides)}`);
}

/**
 * Parsing fails with exactly `message`. The credential check guards the expectation itself: a
 * message written into a test with a credential in it would pin the leak instead of catching it.
 */
function expectRejected(message: string, overrides: Inputs, env: Env = {}): void {
  const actual = inputError(overrides, env).message;
  for (const secret of SECRETS) expect(actual).not.toContain(secret);
  expect(actual).toBe(message);
}

describe('defaults', () => {
  it('applies every default when the optional inputs are absent', () => {
    expect(settings()).toStrictEqual({
      credentials: { kind: 'token', token: TOKEN, source: 'API token from the api-token input' },
      accountId: ACCOUNT_ID,
      servers: { kind: 'list', ids: ['docs-server'] },
      maxAttempts: 5,
      baseDelayMs: 1000,
      maxDelayMs: 30_000,
      timeoutMs: 300_000,
      requestTimeoutMs: 30_000,
      concurrency: 4,
      expectedTools: [],
      waitForReady: true,
      onBreakingChange: 'warn',
      dryRun: false,
      apiBaseUrl: 'https://api.cloudflare.com/client/v4',
    });
  });

  it('treats whitespace-only optional inputs as absent', () => {
    const blank = Object.fromEntries(Object.keys(DEFAULTS).map((name) => [name, '  \n']));
    expect(settings(blank)).toStrictEqual(settings());
  });
});

describe('credentials', () => {
  const FROM_TOKEN_INPUT = {
    kind: 'token',
    token: TOKEN,
    source: 'API token from the api-token input',
  };
  const FROM_KEY_INPUTS = {
    kind: 'global-key',
    email: EMAIL,
    key: KEY,
    source: 'Global API Key from the api-email and api-key inputs',
  };
  const ENV_TOKEN = {
    kind: 'token',
    token: OTHER_TOKEN,
    source: 'API token from the CLOUDFLARE_API_TOKEN variable',
  };
  const ENV_KEY = {
    kind: 'global-key',
    email: EMAIL,
    key: KEY,
    source: 'Global API Key from the CLOUDFLARE_EMAIL and CLOUDFLARE_API_KEY variables',
  };
  const NO_TOKEN = { 'api-token': '' };

  it.each([
    ['CLOUDFLARE_API_TOKEN', { CLOUDFLARE_API_TOKEN: OTHER_TOKEN }, ENV_TOKEN],
    [
      'CLOUDFLARE_EMAIL and CLOUDFLARE_API_KEY',
      { CLOUDFLARE_EMAIL: EMAIL, CLOUDFLARE_API_KEY: KEY },
      ENV_KEY,
    ],
  ])('falls back to %s from the environment', (_name, env, expected) => {
    expect(settings(NO_TOKEN, env).credentials).toStrictEqual(expected);
  });

  it('falls back to CLOUDFLARE_ACCOUNT_ID from the environment', () => {
    expect(settings({ 'account-id': '' }, { CLOUDFLARE_ACCOUNT_ID: ACCOUNT_ID }).accountId).toBe(
      ACCOUNT_ID,
    );
  });

  it('falls back from a whitespace-only account-id, and trims CLOUDFLARE_ACCOUNT_ID', () => {
    const env = { CLOUDFLARE_ACCOUNT_ID: ` ${ACCOUNT_ID}\n` };
    expect(settings({ 'account-id': ' \t' }, env).accountId).toBe(ACCOUNT_ID);
  });

  it('prefers the inputs to the environment', () => {
    const env = { CLOUDFLARE_API_TOKEN: OTHER_TOKEN, CLOUDFLARE_ACCOUNT_ID: 'f'.repeat(32) };
    const parsed = settings({}, env);
    expect(parsed.credentials).toStrictEqual(FROM_TOKEN_INPUT);
    expect(parsed.accountId).toBe(ACCOUNT_ID);
  });

  it('prefers the api-email and api-key inputs to CLOUDFLARE_API_TOKEN', () => {
    const given = { ...NO_TOKEN, 'api-email': EMAIL, 'api-key': KEY };
    expect(settings(given, { CLOUDFLARE_API_TOKEN: OTHER_TOKEN }).credentials).toStrictEqual(
      FROM_KEY_INPUTS,
    );
  });

  it('prefers CLOUDFLARE_API_TOKEN to CLOUDFLARE_EMAIL and CLOUDFLARE_API_KEY', () => {
    const env = {
      CLOUDFLARE_API_TOKEN: OTHER_TOKEN,
      CLOUDFLARE_EMAIL: EMAIL,
      CLOUDFLARE_API_KEY: KEY,
    };
    expect(settings(NO_TOKEN, env).credentials).toStrictEqual(ENV_TOKEN);
  });

  it('prefers a token to email and key', () => {
    expect(settings({ 'api-email': EMAIL, 'api-key': KEY }).credentials).toStrictEqual(
      FROM_TOKEN_INPUT,
    );
  });

  it('reads the legacy email and key inputs', () => {
    expect(settings({ ...NO_TOKEN, 'api-email': EMAIL, 'api-key': KEY }).credentials).toStrictEqual(
      FROM_KEY_INPUTS,
    );
  });

  it('names where the credentials came from, never their value', () => {
    const cases: [Inputs, Env][] = [
      [{}, {}],
      [{ ...NO_TOKEN, 'api-email': EMAIL, 'api-key': KEY }, {}],
      [NO_TOKEN, { CLOUDFLARE_API_TOKEN: OTHER_TOKEN }],
      [NO_TOKEN, { CLOUDFLARE_EMAIL: EMAIL, CLOUDFLARE_API_KEY: KEY }],
    ];
    for (const [given, env] of cases) {
      const { source } = settings(given, env).credentials;
      for (const secret of [...SECRETS, EMAIL]) expect(source).not.toContain(secret);
    }
  });

  it.each([
    `Bearer ${TOKEN}`,
    `bearer ${TOKEN}`,
    `BEARER\t${TOKEN}`,
    `  Bearer   ${TOKEN}  \n`,
    `\n${TOKEN}\n`,
  ])('strips a pasted Bearer prefix and surrounding whitespace from %j', (given) => {
    expect(settings({ 'api-token': given }).credentials).toStrictEqual(FROM_TOKEN_INPUT);
  });

  it('strips a pasted Bearer prefix from CLOUDFLARE_API_TOKEN too', () => {
    const env = { CLOUDFLARE_API_TOKEN: `Bearer ${OTHER_TOKEN}` };
    expect(settings(NO_TOKEN, env).credentials).toStrictEqual(ENV_TOKEN);
  });

  // Bug: `Bearer ${{ secrets.CF_TOKEN }}` with the secret unset gives "Bearer ", which is trimmed
  // to "Bearer" before the prefix (which needs whitespace after it) is stripped: the word
  // "Bearer" becomes the API token, shadows any credentials in the environment, is sent as
  // `Authorization: Bearer Bearer`, and the run ends on a 401 that blames the token's permissions.
  it('reads a Bearer prefix with nothing after it as no token', () => {
    expectRejected(
      'api-token: only the word Bearer was given, from the api-token input: the secret meant to follow it is empty or not set',
      { 'api-token': 'Bearer ' },
    );
  });

  it.each(['Bearer', 'bearer\t'])('reads %j, the word alone, as no token', (token) => {
    expectRejected(
      'api-token: only the word Bearer was given, from the api-token input: the secret meant to follow it is empty or not set',
      { 'api-token': token },
    );
  });

  it('refuses a token with "bearer " inside, rather than cutting that out', () => {
    expectRejected(
      'api-token: expected a Cloudflare API token (printable characters, no spaces), from the api-token input',
      { 'api-token': 'cfut_xbearer tok' },
    );
  });

  it('takes a token that only ends in "bearer" as a token', () => {
    expect(settings({ 'api-token': 'cfut_notbearer' }).credentials).toMatchObject({
      kind: 'token',
      token: 'cfut_notbearer',
    });
  });

  it.each([
    [
      'api-key',
      { 'api-email': EMAIL },
      'api-key: required with api-email (or set api-token instead)',
    ],
    [
      'api-email',
      { 'api-key': KEY },
      'api-email: required with api-key (or set api-token instead)',
    ],
  ])('names the missing %s when legacy auth is half given', (_missing, given, message) => {
    expectRejected(message, { ...NO_TOKEN, ...given });
  });

  it('does not fall back to the environment from half a pair of inputs', () => {
    const env = { CLOUDFLARE_API_TOKEN: OTHER_TOKEN };
    expectRejected(
      'api-key: required with api-email (or set api-token instead)',
      { ...NO_TOKEN, 'api-email': EMAIL },
      env,
    );
  });

  it('fails on half a pair in the environment', () => {
    expectRejected('api-key: required with api-email (or set api-token instead)', NO_TOKEN, {
      CLOUDFLARE_EMAIL: EMAIL,
    });
  });

  it('fails naming api-token when no credential is given at all', () => {
    expectRejected(
      'api-token: no credentials given: set api-token (or CLOUDFLARE_API_TOKEN), or api-email with api-key',
      NO_TOKEN,
    );
  });

  it.each([
    [
      'api-token',
      { 'api-token': `${TOKEN} ${TOKEN}` },
      'api-token: expected a Cloudflare API token (printable characters, no spaces), from the api-token input',
    ],
    [
      'api-key',
      { ...NO_TOKEN, 'api-email': EMAIL, 'api-key': `${KEY} x` },
      'api-key: expected a Global API Key (printable characters, no spaces)',
    ],
    [
      'api-email',
      { ...NO_TOKEN, 'api-email': 'not an email', 'api-key': KEY },
      'api-email: expected the email address of the Cloudflare account',
    ],
  ])('rejects a malformed %s without echoing it', (_name, given, message) => {
    expectRejected(message, given);
  });

  // The whole value must be an address, not merely contain one.
  it.each(['a b@example.com', 'a@example .com', 'a@b@example.com', '@example.com', 'a@'])(
    'rejects the email address %j',
    (email) => {
      expectRejected('api-email: expected the email address of the Cloudflare account', {
        ...NO_TOKEN,
        'api-email': email,
        'api-key': KEY,
      });
    },
  );

  it('trims the email address and the key', () => {
    expect(
      settings({ ...NO_TOKEN, 'api-email': ` ${EMAIL}\n`, 'api-key': `\t${KEY} ` }).credentials,
    ).toStrictEqual(FROM_KEY_INPUTS);
  });

  it('trims the email address and the key from the environment', () => {
    const env = { CLOUDFLARE_EMAIL: ` ${EMAIL} `, CLOUDFLARE_API_KEY: ` ${KEY}\n` };
    expect(settings(NO_TOKEN, env).credentials).toStrictEqual({
      kind: 'global-key',
      email: EMAIL,
      key: KEY,
      source: 'Global API Key from the CLOUDFLARE_EMAIL and CLOUDFLARE_API_KEY variables',
    });
  });

  it('throws errors named InputError', () => {
    expect(inputError(NO_TOKEN).name).toBe('InputError');
  });

  it('says a malformed token came from CLOUDFLARE_API_TOKEN', () => {
    const env = { CLOUDFLARE_API_TOKEN: `${OTHER_TOKEN} ${OTHER_TOKEN}` };
    expectRejected(
      'api-token: expected a Cloudflare API token (printable characters, no spaces), from the CLOUDFLARE_API_TOKEN variable',
      NO_TOKEN,
      env,
    );
  });
});

const ID_RULE =
  "an id is 1–32 lowercase letters, digits and _, with single - between them (like docs-mcp); it is the id shown in the server's details in the Cloudflare dashboard, not its display name";

describe('server-id', () => {
  const ids = (value: string): Settings['servers'] => settings({ 'server-id': value }).servers;

  it.each([
    ['a single id', 'docs', ['docs']],
    ['an id with dashes', 'docs-mcp-2', ['docs-mcp-2']],
    ['an id with underscores', '_docs__mcp_', ['_docs__mcp_']],
    ['digits', '0', ['0']],
    ['a comma list', 'a,b,c', ['a', 'b', 'c']],
    ['a newline list', 'a\nb\r\nc', ['a', 'b', 'c']],
    [
      'a mixed list with blank entries and a trailing newline',
      ' a , b\n\n,c,\n  d \n',
      ['a', 'b', 'c', 'd'],
    ],
    ['duplicates, keeping the first in order', 'b,a,b\na,c', ['b', 'a', 'c']],
    ['an id of exactly 32 characters', 'x'.repeat(32), ['x'.repeat(32)]],
  ])('accepts %s', (_case, value, expected) => {
    expect(ids(value)).toStrictEqual({ kind: 'list', ids: expected });
  });

  it.each(['*', ' * ', '*\n', '*,*'])('reads %j as every server', (value) => {
    expect(ids(value)).toStrictEqual({ kind: 'all' });
  });

  it.each([
    ['a display name with a dot', 'My.Server', '"My.Server"'],
    ['a display name with a space', 'docs mcp', '"docs mcp"'],
    ['a YAML list item', '- docs-mcp', '"- docs-mcp"'],
    ['capitals', 'Docs', '"Docs"'],
    ['a double dash', 'docs--mcp', '"docs--mcp"'],
    ['a leading dash', '-docs', '"-docs"'],
    ['a trailing dash', 'docs-', '"docs-"'],
    ['a slash', 'a/b', '"a/b"'],
    ['a percent sign', '100%', '"100%"'],
    ['.', '.', '"."'],
    ['..', '..', '".."'],
    ['.. in a list', 'a,..', '".."'],
    ['an id with a tab', 'my\tserver', '"my\\tserver"'],
    ['an id with NUL', 'a\u0000b', '"a\\u0000b"'],
    ['an id with ESC', 'a\u001b[31mb', '"a\\u001b[31mb"'],
    ['an id with DEL', 'a\u007fb', '"a\u007fb"'],
    ['an id with NEL', 'a\u0085b', '"a\u0085b"'],
  ])('rejects %s, saying what an id looks like', (_case, value, shown) => {
    expectRejected(`server-id: ${shown} is not an id: ${ID_RULE}`, { 'server-id': value });
  });

  it('rejects an id of 33 characters, saying how long it is', () => {
    expectRejected(`server-id: "${'x'.repeat(33)}" is 33 characters long, not an id: ${ID_RULE}`, {
      'server-id': 'x'.repeat(33),
    });
  });

  it('shows at most 40 characters of a long value', () => {
    expectRejected(`server-id: "${'y'.repeat(40)}" is 100 characters long, not an id: ${ID_RULE}`, {
      'server-id': 'y'.repeat(100),
    });
  });

  it('does not echo a credential pasted into server-id', () => {
    expectRejected(`server-id: "***" is not an id: ${ID_RULE}`, { 'server-id': TOKEN });
  });

  it('rejects * mixed with ids', () => {
    expectRejected('server-id: * (every server) cannot be combined with ids', {
      'server-id': 'a,*',
    });
  });

  it.each([
    ['empty', ''],
    ['empty', ' \n '],
    ['only separators', ' \n\t, ,\n'],
  ])('says an unset output or variable may be why it is %s', (given, value) => {
    expectRejected(
      `server-id: required (or portal-id), but it is ${given}; when it comes from an expression such as \${{ steps.deploy.outputs.server-id }} or \${{ vars.MCP_SERVER_ID }}, that output or variable is not set`,
      { 'server-id': value },
    );
  });
});

describe('portal-id', () => {
  const selection = (given: Inputs): Pick<Settings, 'servers' | 'portalId'> => {
    const { servers, portalId } = settings(given);
    return portalId === undefined ? { servers } : { servers, portalId };
  };

  it('selects a portal alone', () => {
    expect(selection({ 'server-id': '', 'portal-id': ' eng-portal \n' })).toStrictEqual({
      servers: { kind: 'list', ids: [] },
      portalId: 'eng-portal',
    });
  });

  it('selects a portal and server ids together', () => {
    expect(selection({ 'server-id': 'a,b', 'portal-id': 'eng-portal' })).toStrictEqual({
      servers: { kind: 'list', ids: ['a', 'b'] },
      portalId: 'eng-portal',
    });
  });

  it('selects a portal and every server together', () => {
    expect(selection({ 'server-id': '*', 'portal-id': 'eng-portal' })).toStrictEqual({
      servers: { kind: 'all' },
      portalId: 'eng-portal',
    });
  });

  it.each(['docs-server', '*'])('leaves portalId out when none is given (server-id %j)', (ids) => {
    expect(settings({ 'server-id': ids })).not.toHaveProperty('portalId');
  });

  it('rejects a portal id that breaks the id rule', () => {
    expectRejected(`portal-id: "Eng Portal" is not an id: ${ID_RULE}`, {
      'portal-id': 'Eng Portal',
    });
  });

  it('rejects more than one portal', () => {
    expectRejected('portal-id: expected one MCP portal id, got 3', { 'portal-id': 'a,b\nc' });
  });

  it('checks the portal id before the server ids', () => {
    expectRejected(`portal-id: "Bad Portal" is not an id: ${ID_RULE}`, {
      'server-id': 'Bad Id',
      'portal-id': 'Bad Portal',
    });
  });
});

describe('switches', () => {
  it.each([
    ['wait-for-ready', 'false', 'waitForReady', false],
    ['wait-for-ready', 'TRUE', 'waitForReady', true],
    ['dry-run', 'true', 'dryRun', true],
    ['dry-run', 'False', 'dryRun', false],
    ['on-breaking-change', 'fail', 'onBreakingChange', 'fail'],
    ['on-breaking-change', 'ignore', 'onBreakingChange', 'ignore'],
    ['on-breaking-change', ' Warn ', 'onBreakingChange', 'warn'],
    ['on-breaking-change', 'FAIL', 'onBreakingChange', 'fail'],
  ] as const)('reads %s = %j', (name, value, field, expected) => {
    expect(settings({ [name]: value })[field]).toBe(expected);
  });

  it.each([
    ['wait-for-ready', 'yes', 'wait-for-ready: expected true or false, got "yes"'],
    ['wait-for-ready', '1', 'wait-for-ready: expected true or false, got "1"'],
    ['dry-run', 'on', 'dry-run: expected true or false, got "on"'],
    ['dry-run', 'true false', 'dry-run: expected true or false, got "true false"'],
    ['dry-run', 'xtrue', 'dry-run: expected true or false, got "xtrue"'],
    ['dry-run', 'truex', 'dry-run: expected true or false, got "truex"'],
    ['wait-for-ready', 'xfalse', 'wait-for-ready: expected true or false, got "xfalse"'],
    ['wait-for-ready', 'falsey', 'wait-for-ready: expected true or false, got "falsey"'],
    [
      'on-breaking-change',
      'error',
      'on-breaking-change: expected warn, fail or ignore, got "error"',
    ],
    [
      'on-breaking-change',
      'warning',
      'on-breaking-change: expected warn, fail or ignore, got "warning"',
    ],
  ])('rejects %s = %j', (name, value, message) => {
    expectRejected(message, { [name]: value });
  });
});

describe('rejectForeignSpellings', () => {
  /** The InputError it throws for `env`; fails the test when it throws none. */
  function foreignError(env: Env): InputError {
    try {
      rejectForeignSpellings(env);
    } catch (error) {
      expect(error).toBeInstanceOf(InputError);
      return error as InputError;
    }
    throw new Error(`expected an InputError for ${Object.keys(env).join(', ')}`);
  }

  it.each([
    ['INPUT_APITOKEN', 'api-token', 'apitoken', ' (the spelling wrangler-action uses)'],
    ['INPUT_ACCOUNTID', 'account-id', 'accountid', ' (the spelling wrangler-action uses)'],
    ['INPUT_API_TOKEN', 'api-token', 'api_token', ''],
    ['INPUT_ACCOUNT_ID', 'account-id', 'account_id', ''],
    ['INPUT_SERVER_ID', 'server-id', 'server_id', ''],
    ['INPUT_PORTALID', 'portal-id', 'portalid', ''],
  ])('rejects %s, naming our input and never the value', (variable, ours, given, whose) => {
    expect(foreignError({ [variable]: TOKEN }).message).toBe(
      `${ours}: this action has no input named "${given}"${whose}; name it ${ours}`,
    );
  });

  it.each([
    ['our own inputs', { 'INPUT_API-TOKEN': TOKEN, 'INPUT_ACCOUNT-ID': ACCOUNT_ID }],
    ['a foreign name left empty', { INPUT_APITOKEN: '', INPUT_ACCOUNTID: ' \n' }],
    ['variables that are not inputs', { APITOKEN: TOKEN, CLOUDFLARE_API_TOKEN: TOKEN }],
    // As long as the INPUT_ prefix: only the prefix itself makes a variable an input.
    ['a variable named MY_CF_API_TOKEN', { MY_CF_API_TOKEN: TOKEN }],
    ['other unknown inputs', { INPUT_VERBOSE: 'true' }],
  ])('accepts %s', (_case, env) => {
    expect(() => rejectForeignSpellings(env)).not.toThrow();
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
    ['timeout-seconds', '.5', 'timeoutMs', 500],
    ['timeout-seconds', '.125', 'timeoutMs', 125],
    ['max-delay-seconds', '0', 'maxDelayMs', 0],
  ] as const)('accepts %s = %j', (name, value, field, expected) => {
    const overrides: Inputs = { [name]: value };
    if (name === 'max-delay-seconds') overrides['base-delay-seconds'] = '0';
    expect(settings(overrides)[field]).toBe(expected);
  });

  // Every number input, with what its rejection says it expected: 60 messages are clearer built
  // from these literal parts than written out.
  const EXPECTED_NUMBER: [name: string, expected: string][] = [
    ['max-attempts', 'a whole number from 1 to 100'],
    ['concurrency', 'a whole number from 1 to 64'],
    ['base-delay-seconds', 'a number of seconds from 0 up to 21600'],
    ['max-delay-seconds', 'a number of seconds from 0 up to 21600'],
    ['timeout-seconds', 'a number of seconds more than 0 up to 21600'],
    ['request-timeout-seconds', 'a number of seconds more than 0 up to 21600'],
  ];
  // The message quotes at most 40 characters of the value.
  const MALFORMED: [label: string, value: string, shown: string][] = [
    ['negative', '-1', '"-1"'],
    ['NaN', 'NaN', '"NaN"'],
    ['Infinity', 'Infinity', '"Infinity"'],
    ['-Infinity', '-Infinity', '"-Infinity"'],
    ['exponent', '1e3', '"1e3"'],
    ['hexadecimal', '0x10', '"0x10"'],
    ['huge (400 digits)', '1'.repeat(400), `"${'1'.repeat(40)}"`],
    ['too large', '99999999', '"99999999"'],
    ['a word', 'five', '"five"'],
    ['a decimal comma', '1,5', '"1,5"'],
    ['four decimals', '1.0005', '"1.0005"'],
    ['a bare point', '1.', '"1."'],
    ['seven digits', '0000001', '"0000001"'],
    ['a sign', '+1', '"+1"'],
  ];

  it.each(
    EXPECTED_NUMBER.flatMap(([name, expected]) =>
      MALFORMED.map(([label, value, shown]) => [
        name,
        label,
        value,
        `${name}: expected ${expected}, got ${shown}`,
      ]),
    ),
  )('rejects %s: %s', (name, _label, value, message) => {
    expectRejected(message, { [name]: value });
  });

  it.each([
    ['max-attempts', 'max-attempts: expected a whole number from 1 to 100, got "0"'],
    ['concurrency', 'concurrency: expected a whole number from 1 to 64, got "0"'],
    [
      'timeout-seconds',
      'timeout-seconds: expected a number of seconds more than 0 up to 21600, got "0"',
    ],
    [
      'request-timeout-seconds',
      'request-timeout-seconds: expected a number of seconds more than 0 up to 21600, got "0"',
    ],
  ])('rejects zero for %s', (name, message) => {
    expectRejected(message, { [name]: '0' });
  });

  it.each([
    ['max-attempts', '2.5', 'max-attempts: expected a whole number from 1 to 100, got "2.5"'],
    ['max-attempts', '101', 'max-attempts: expected a whole number from 1 to 100, got "101"'],
    ['concurrency', '1.5', 'concurrency: expected a whole number from 1 to 64, got "1.5"'],
    ['concurrency', '65', 'concurrency: expected a whole number from 1 to 64, got "65"'],
    [
      'timeout-seconds',
      '21600.001',
      'timeout-seconds: expected a number of seconds more than 0 up to 21600, got "21600.001"',
    ],
  ])('rejects %s = %j', (name, value, message) => {
    expectRejected(message, { [name]: value });
  });

  it('rejects max-delay-seconds below base-delay-seconds', () => {
    expectRejected('max-delay-seconds: expected at least base-delay-seconds (10), got 5', {
      'base-delay-seconds': '10',
      'max-delay-seconds': '5',
    });
  });

  it('accepts max-delay-seconds equal to base-delay-seconds', () => {
    const parsed = settings({ 'base-delay-seconds': '7', 'max-delay-seconds': '7' });
    expect([parsed.baseDelayMs, parsed.maxDelayMs]).toEqual([7000, 7000]);
  });
});

describe('account-id', () => {
  // Only the length is shown: the exact message leaves no room for the value.
  it.each([
    [
      'a secret-like value',
      SECRET_LIKE,
      'account-id: expected 32 hexadecimal characters, got 34 characters',
    ],
    [
      '31 hex characters',
      'a'.repeat(31),
      'account-id: expected 32 hexadecimal characters, got 31 characters',
    ],
    [
      '33 hex characters',
      'a'.repeat(33),
      'account-id: expected 32 hexadecimal characters, got 33 characters',
    ],
    [
      '32 non-hex characters',
      'g'.repeat(32),
      'account-id: expected 32 hexadecimal characters, got 32 characters, not all of them 0-9 or a-f',
    ],
  ])('rejects %s without echoing it', (_case, value, message) => {
    expectRejected(message, { 'account-id': value });
  });

  it('fails when neither the input nor CLOUDFLARE_ACCOUNT_ID is given', () => {
    expectRejected('account-id: required (or set CLOUDFLARE_ACCOUNT_ID)', { 'account-id': '' });
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
    ['http://127.0.0.10', 'http://127.0.0.10'],
    ['http://127.255.255.254:1', 'http://127.255.255.254:1'],
    ['https://api.example.com/client/v4///', 'https://api.example.com/client/v4'],
  ])('accepts %s', (given, expected) => {
    expect(settings({ 'api-base-url': given }).apiBaseUrl).toBe(expected);
  });

  const LOOPBACK_ONLY =
    'api-base-url: expected https://; plain http:// is allowed only for loopback hosts';

  it.each([
    ['plain http to a public host', 'http://example.com', LOOPBACK_ONLY],
    ['plain http to a private address', 'http://10.0.0.1', LOOPBACK_ONLY],
    [
      'plain http to a host that only starts like loopback',
      'http://localhost.example.com',
      LOOPBACK_ONLY,
    ],
    // Only a whole loopback address: these names resolve wherever their owner points them.
    [
      'plain http to a name that starts with a loopback address',
      'http://127.0.0.1.nip.io',
      LOOPBACK_ONLY,
    ],
    ['plain http to a name that starts with localhost', 'http://localhostx', LOOPBACK_ONLY],
    [
      'a user name alone',
      'https://user@api.example.com',
      'api-base-url: expected no user name or password in the URL',
    ],
    [
      'a password alone',
      'https://:secret@api.example.com',
      'api-base-url: expected no user name or password in the URL',
    ],
    ['ftp', 'ftp://example.com/', 'api-base-url: expected an https:// URL, got "ftp:"'],
    // The password is not echoed: the message only says that there is one.
    [
      'a user and password',
      'https://user:pass@api.example.com',
      'api-base-url: expected no user name or password in the URL',
    ],
    [
      'a query',
      'https://api.example.com/client/v4?x=1',
      'api-base-url: expected no query or fragment in the URL',
    ],
    [
      'a fragment',
      'https://api.example.com/client/v4#top',
      'api-base-url: expected no query or fragment in the URL',
    ],
    ['not a URL', 'not-a-url', 'api-base-url: expected an https:// URL, got "not-a-url"'],
  ])('rejects %s', (_case, value, message) => {
    expectRejected(message, { 'api-base-url': value });
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
    'portal-id',
    'max-attempts',
    'base-delay-seconds',
    'max-delay-seconds',
    'timeout-seconds',
    'request-timeout-seconds',
    'concurrency',
    'wait-for-ready',
    'expected-tools',
    'on-breaking-change',
    'dry-run',
    'api-base-url',
  ];
  const CONTRACT_OUTPUTS = [
    'status',
    'error',
    'error-details',
    'retryable',
    'attempts',
    'breaking-changes',
    'results',
    'results-file',
  ];

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

  // server-id or portal-id is required: a rule GitHub cannot express, so the action checks it.
  it('requires no input', () => {
    const required = Object.entries(actionYml.inputs).filter(
      ([, input]) => input.required === true,
    );
    expect(required.map(([name]) => name)).toEqual([]);
  });

  it('has ACTION_VERSION equal to the package.json version', () => {
    const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as {
      version: string;
    };
    expect(ACTION_VERSION).toBe(pkg.version);
  });
});
