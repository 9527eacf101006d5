// The defensive readers of Cloudflare's server and portal objects: what each field of `mcp_server`
// and `mcp_portal_server` becomes, what is skipped, and that no JSON makes them throw.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { canonicalJson, hashJson } from '../../src/api/fingerprint.js';
import {
  AUTHENTICATION_STATUSES,
  authenticationStatus,
  capabilityOf,
  parsePortal,
  parseServerState,
  type Capability,
  type ServerState,
} from '../../src/api/server-object.js';

/** A server object as GET …/mcp/servers/{id} returns it, trimmed to what the reader looks at. */
const SERVER_OBJECT = {
  id: 'docs-mcp',
  name: 'Docs MCP',
  hostname: 'https://docs.example.com/mcp',
  auth_type: 'unauthenticated',
  status: 'ready',
  authentication_status: 'connected',
  last_synced: '2025-01-01T00:00:00Z',
  tools: [
    {
      name: 'search',
      description: 'Search the docs',
      inputSchema: { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] },
    },
    { name: 'fetch' },
  ],
  prompts: [{ name: 'summarize', description: 'Summarize a page', arguments: [{ name: 'url' }] }],
  updated_tools: [
    { name: 'search', alias: 'docs_search', description: 'custom', enabled: true },
    { name: 'fetch', enabled: false },
  ],
  updated_prompts: [{ name: 'summarize', alias: 'tldr' }],
};

const EMPTY_STATE = { tools: [], prompts: [], toolOverrides: [], promptOverrides: [] };

describe('parseServerState: a server object', () => {
  it('reads every field the action uses', () => {
    expect(parseServerState(SERVER_OBJECT)).toStrictEqual({
      id: 'docs-mcp',
      status: 'ready',
      authenticationStatus: 'connected',
      tools: SERVER_OBJECT.tools.map((raw) => capabilityOf(raw, 'inputSchema')),
      prompts: SERVER_OBJECT.prompts.map((raw) => capabilityOf(raw, 'arguments')),
      toolOverrides: [
        { name: 'search', alias: 'docs_search', enabled: true },
        { name: 'fetch', enabled: false },
      ],
      promptOverrides: [{ name: 'summarize', alias: 'tldr' }],
    });
  });

  it('reads the last sync error and its details', () => {
    const state = parseServerState({
      id: 'docs-mcp',
      status: 'error',
      error: 'upstream refused the connection',
      error_details: { cause: 'ECONNREFUSED', is_upstream: true, retryable: true, mcp_code: 'x' },
    });
    expect(state).toStrictEqual({
      id: 'docs-mcp',
      status: 'error',
      error: 'upstream refused the connection',
      errorDetails: { cause: 'ECONNREFUSED', is_upstream: true, retryable: true },
      ...EMPTY_STATE,
    });
  });

  it.each([
    ['an empty error', ''],
    ['a blank error', ' \n\t'],
    ['an error that is not a string', 42],
  ])('leaves out %s', (_case, error) => {
    expect(parseServerState({ id: 'a', error })).toStrictEqual({ id: 'a', ...EMPTY_STATE });
  });

  it.each(['ready', 'waiting', 'stale', 'error'])('keeps status %s', (status) => {
    expect(parseServerState({ id: 'a', status })?.status).toBe(status);
  });

  it.each([
    ['an unknown status', 'pending'],
    ['a status in capitals', 'READY'],
    ['a status that is not a string', 1],
    ['a null status', null],
  ])('leaves out %s', (_case, status) => {
    expect(parseServerState({ id: 'a', status })).toStrictEqual({ id: 'a', ...EMPTY_STATE });
  });

  it.each([
    ['an unknown authentication_status', 'expired'],
    ['an authentication_status that is not a string', true],
  ])('leaves out %s', (_case, value) => {
    expect(parseServerState({ id: 'a', authentication_status: value })).toStrictEqual({
      id: 'a',
      ...EMPTY_STATE,
    });
  });

  it.each([
    ['not an object', 'docs-mcp'],
    ['null', null],
    ['a list', [{ id: 'docs-mcp' }]],
    ['an object without an id', { name: 'Docs' }],
    ['an object whose id is not a string', { id: 7 }],
  ])('answers undefined for %s', (_case, value) => {
    expect(parseServerState(value)).toBeUndefined();
  });

  it('skips capabilities without a usable name and keeps only well-typed fields', () => {
    const state = parseServerState({
      id: 'a',
      tools: [
        'search',
        null,
        [],
        { description: 'nameless' },
        { name: '' },
        { name: 5 },
        { name: 'kept', description: 7, inputSchema: null },
        { name: 'schema-true', inputSchema: true },
      ],
      prompts: { name: 'not a list' },
    });
    expect(state?.tools).toStrictEqual([
      capabilityOf({ name: 'kept', inputSchema: null }, 'inputSchema'),
      capabilityOf({ name: 'schema-true', inputSchema: true }, 'inputSchema'),
    ]);
    expect(state?.prompts).toStrictEqual([]);
  });

  it('keeps repeated capability names as given: the diff decides what they mean', () => {
    const state = parseServerState({
      id: 'a',
      tools: [{ name: 't' }, { name: 't', description: 'x' }],
    });
    expect(state?.tools).toStrictEqual([
      capabilityOf({ name: 't' }, 'inputSchema'),
      capabilityOf({ name: 't', description: 'x' }, 'inputSchema'),
    ]);
    expect(state?.tools[0]).not.toEqual(state?.tools[1]);
  });

  it('skips overrides without a name and drops an empty alias or a non-boolean enabled', () => {
    const state = parseServerState({
      id: 'a',
      updated_tools: [
        { alias: 'orphan' },
        { name: '' },
        'search',
        { name: 'a', alias: '', enabled: 'false' },
        { name: 'b', alias: 3, enabled: 0 },
        { name: 'c', enabled: false },
      ],
      updated_prompts: 'nope',
    });
    expect(state?.toolOverrides).toStrictEqual([
      { name: 'a' },
      { name: 'b' },
      { name: 'c', enabled: false },
    ]);
    expect(state?.promptOverrides).toStrictEqual([]);
  });

  it("does not read a server object's portal_alias or server_alias as its alias", () => {
    const state = parseServerState({
      id: 'a',
      updated_tools: [{ name: 't', portal_alias: 'p', server_alias: 's' }],
    });
    expect(state?.toolOverrides).toStrictEqual([{ name: 't' }]);
    expect(state).not.toHaveProperty('portalToolOverrides');
  });
});

describe('parseServerState: a portal entry (mcp_portal_server)', () => {
  const ENTRY = {
    id: 'docs-mcp',
    server_id: 'docs-mcp',
    name: 'Docs MCP',
    status: 'waiting',
    authentication_status: 'required',
    default_disabled: true,
    tools: [{ name: 'search' }, { name: 'fetch' }, { name: 'delete' }],
    prompts: [{ name: 'summarize' }],
    updated_tools: [
      { name: 'search', portal_alias: 'portal_search', server_alias: 'docs_search', enabled: true },
      { name: 'fetch', enabled: true, portal_description: 'x' },
      { name: 'delete', server_alias: '', enabled: false },
    ],
    updated_prompts: [
      { name: 'summarize', portal_alias: 'portal_tldr', server_alias: 'tldr' },
      { name: 'explain', enabled: false },
    ],
  };

  it("reads the portal's overrides, default_disabled, and the server aliases beside them", () => {
    expect(parseServerState(ENTRY)).toStrictEqual({
      id: 'docs-mcp',
      status: 'waiting',
      authenticationStatus: 'required',
      tools: ENTRY.tools.map((raw) => capabilityOf(raw, 'inputSchema')),
      prompts: ENTRY.prompts.map((raw) => capabilityOf(raw, 'arguments')),
      portalToolOverrides: [
        { name: 'search', alias: 'portal_search', enabled: true },
        { name: 'fetch', enabled: true },
        { name: 'delete', enabled: false },
      ],
      portalPromptOverrides: [
        { name: 'summarize', alias: 'portal_tldr' },
        { name: 'explain', enabled: false },
      ],
      portalDefaultDisabled: true,
      // Only entries with a server alias stand for a server override; they carry the entry's
      // `enabled` along.
      toolOverrides: [{ name: 'search', alias: 'docs_search', enabled: true }],
      promptOverrides: [{ name: 'summarize', alias: 'tldr' }],
    });
  });

  it('names the server by server_id even when the entry has another id', () => {
    expect(parseServerState({ id: 'entry-7', server_id: 'docs-mcp' })?.id).toBe('docs-mcp');
  });

  it.each([
    ['false', false],
    ['absent', undefined],
    ['a string', 'true'],
  ])('leaves portalDefaultDisabled out when default_disabled is %s', (_case, value) => {
    const state = parseServerState({ server_id: 'a', default_disabled: value });
    expect(state).toStrictEqual({
      id: 'a',
      ...EMPTY_STATE,
      portalToolOverrides: [],
      portalPromptOverrides: [],
    });
  });

  it('reads an entry whose server_id is not a string as a server object by its id', () => {
    const state = parseServerState({
      id: 'a',
      server_id: 9,
      default_disabled: true,
      updated_tools: [{ name: 't', alias: 'x', portal_alias: 'p' }],
    });
    expect(state).toStrictEqual({
      id: 'a',
      ...EMPTY_STATE,
      toolOverrides: [{ name: 't', alias: 'x' }],
    });
  });
});

describe('capabilityOf: a tool or prompt, reduced to what the diff asks of it', () => {
  const SCHEMA = {
    $schema: 'http://json-schema.org/draft-07/schema#',
    type: 'object',
    description: 'What to search',
    properties: {
      query: { type: 'string', description: 'Words to look for', minLength: 1 },
      limit: { type: 'integer', default: 10, minimum: 1 },
    },
    required: ['query'],
    additionalProperties: false,
  };
  /** SCHEMA with every object's keys in another order. */
  const SHUFFLED = {
    additionalProperties: false,
    required: ['query'],
    properties: {
      limit: { minimum: 1, default: 10, type: 'integer' },
      query: { minLength: 1, description: 'Words to look for', type: 'string' },
    },
    description: 'What to search',
    type: 'object',
    $schema: 'http://json-schema.org/draft-07/schema#',
  };
  const SEARCH = { name: 'search', description: 'Search the docs', inputSchema: SCHEMA };

  it("keeps a tool's name, a fingerprint of its description and schema, and the schema's top", () => {
    expect(capabilityOf(SEARCH, 'inputSchema')).toStrictEqual({
      name: 'search',
      fingerprint: hashJson('Search the docs', hashJson(SCHEMA)),
      inputTop:
        '{"properties":{"limit":{"type":"integer"},"query":{"type":"string"}},"required":["query"],"type":"object"}',
    });
  });

  it("fingerprints a prompt's arguments and gives it no inputTop", () => {
    const args = [{ name: 'url', required: true }];
    expect(
      capabilityOf(
        { name: 'summarize', description: 'Summarize a page', arguments: args },
        'arguments',
      ),
    ).toStrictEqual({
      name: 'summarize',
      fingerprint: hashJson('Summarize a page', hashJson(args)),
      inputTop: undefined,
    });
  });

  it('fingerprints a missing description and input as absent, and a description not a string as none', () => {
    expect(capabilityOf({ name: 'fetch' }, 'inputSchema')).toStrictEqual({
      name: 'fetch',
      fingerprint: hashJson(undefined, hashJson(undefined)),
      inputTop: undefined,
    });
    expect(capabilityOf({ name: 'fetch', description: 7 }, 'inputSchema')).toStrictEqual(
      capabilityOf({ name: 'fetch' }, 'inputSchema'),
    );
  });

  it('gives the same capability whatever the order of keys', () => {
    expect(
      capabilityOf(
        { inputSchema: SHUFFLED, description: 'Search the docs', name: 'search' },
        'inputSchema',
      ),
    ).toStrictEqual(capabilityOf(SEARCH, 'inputSchema'));
  });

  it.each<[string, Record<string, unknown>]>([
    ['another description', { description: 'Search every doc' }],
    ['no description', { description: undefined }],
    ['an empty description', { description: '' }],
    ['no schema', { inputSchema: undefined }],
    ['an empty schema', { inputSchema: {} }],
    [
      'a detail below the top level',
      {
        inputSchema: {
          ...SCHEMA,
          properties: { ...SCHEMA.properties, limit: { type: 'integer', default: 20, minimum: 1 } },
        },
      },
    ],
    ['required in another order', { inputSchema: { ...SCHEMA, required: ['query', 'limit'] } }],
  ])('changes the fingerprint for %s', (_case, fields) => {
    expect(capabilityOf({ ...SEARCH, ...fields }, 'inputSchema')?.fingerprint).not.toBe(
      capabilityOf(SEARCH, 'inputSchema')?.fingerprint,
    );
  });

  it('keeps the order of arrays in the fingerprint and in inputTop', () => {
    const ab = capabilityOf({ name: 't', inputSchema: { required: ['a', 'b'] } }, 'inputSchema');
    const ba = capabilityOf({ name: 't', inputSchema: { required: ['b', 'a'] } }, 'inputSchema');
    expect(ab?.fingerprint).not.toBe(ba?.fingerprint);
    expect([ab?.inputTop, ba?.inputTop]).toEqual([
      '{"required":["a","b"]}',
      '{"required":["b","a"]}',
    ]);
  });

  it("keeps of each property its type alone, and the schema's type and required as given", () => {
    const inputSchema = {
      type: ['object'],
      required: 'query',
      properties: {
        nested: { type: 'object', properties: { deep: { type: 'string' } }, required: ['deep'] },
        choice: { anyOf: [{ type: 'string' }, { type: 'number' }] },
        union: { type: ['string', 'null'], description: 'or nothing' },
        odd: { type: 7 },
        any: true,
        none: null,
      },
    };
    expect(capabilityOf({ name: 't', inputSchema }, 'inputSchema')?.inputTop).toBe(
      '{"properties":{"any":{},"choice":{},"nested":{"type":"object"},"none":{},"odd":{"type":7},"union":{"type":["string","null"]}},"required":"query","type":["object"]}',
    );
  });

  it('leaves out of inputTop what the schema lacks, and properties that are not an object', () => {
    expect(capabilityOf({ name: 't', inputSchema: {} }, 'inputSchema')?.inputTop).toBe('{}');
    expect(
      capabilityOf({ name: 't', inputSchema: { properties: ['a'] } }, 'inputSchema')?.inputTop,
    ).toBe('{}');
    expect(
      capabilityOf({ name: 't', inputSchema: { properties: {} } }, 'inputSchema')?.inputTop,
    ).toBe('{"properties":{}}');
  });

  it('keeps a property named __proto__ in inputTop', () => {
    const inputSchema: unknown = JSON.parse('{"properties":{"__proto__":{"type":"string"}}}');
    expect(capabilityOf({ name: 't', inputSchema }, 'inputSchema')?.inputTop).toBe(
      '{"properties":{"__proto__":{"type":"string"}}}',
    );
  });

  it.each([
    ['absent', undefined],
    ['null', null],
    ['a string', 'junk'],
    ['true', true],
    ['a list', [{ type: 'object' }]],
  ])('gives no inputTop when the schema is %s', (_case, inputSchema) => {
    expect(capabilityOf({ name: 't', inputSchema }, 'inputSchema')).toStrictEqual({
      name: 't',
      fingerprint: hashJson(undefined, hashJson(inputSchema)),
      inputTop: undefined,
    });
  });

  it.each([
    ['not an object', 'search'],
    ['null', null],
    ['a list', [{ name: 'search' }]],
    ['no name', { description: 'nameless' }],
    ['an empty name', { name: '' }],
    ['a name that is not a string', { name: 5 }],
  ])('answers undefined for %s', (_case, value) => {
    expect(capabilityOf(value, 'inputSchema')).toBeUndefined();
  });
});

describe('authenticationStatus', () => {
  it.each(AUTHENTICATION_STATUSES.map((status) => [status]))('keeps %s', (status) => {
    expect(authenticationStatus(status)).toBe(status);
  });

  it.each([['Required'], [' required'], [''], [null], [undefined], [1], [['required']]])(
    'answers undefined for %j',
    (value) => {
      expect(authenticationStatus(value)).toBeUndefined();
    },
  );

  it('knows exactly the five statuses of the OpenAPI document', () => {
    expect([...AUTHENTICATION_STATUSES]).toEqual([
      'not_required',
      'required',
      'connected',
      'stale',
      'manual',
    ]);
  });
});

describe('parsePortal', () => {
  it('reads the id and every server entry, skipping entries without an id', () => {
    const portal = parsePortal({
      id: 'eng-portal',
      name: 'Engineering',
      hostname: 'mcp.example.com',
      servers: [
        { id: 'docs-mcp', server_id: 'docs-mcp', status: 'ready', tools: [{ name: 'search' }] },
        { name: 'no id at all' },
        'junk',
        { id: 'wiki', server_id: 'wiki' },
      ],
    });
    expect(portal).toStrictEqual({
      id: 'eng-portal',
      servers: [
        {
          id: 'docs-mcp',
          status: 'ready',
          ...EMPTY_STATE,
          tools: [capabilityOf({ name: 'search' }, 'inputSchema')],
          portalToolOverrides: [],
          portalPromptOverrides: [],
        },
        { id: 'wiki', ...EMPTY_STATE, portalToolOverrides: [], portalPromptOverrides: [] },
      ],
    });
  });

  it('reads a portal with no servers', () => {
    expect(parsePortal({ id: 'p', servers: [] })).toStrictEqual({ id: 'p', servers: [] });
  });

  it.each([
    ['not an object', 'p'],
    ['null', null],
    ['a list', [{ id: 'p', servers: [] }]],
    ['no id', { servers: [] }],
    ['an id that is not a string', { id: 1, servers: [] }],
    ['no servers', { id: 'p' }],
    ['servers that are not a list', { id: 'p', servers: { docs: {} } }],
  ])('answers undefined for %s', (_case, value) => {
    expect(parsePortal(value)).toBeUndefined();
  });
});

describe('never throws', () => {
  /** Server-like objects with fields of every type, so the readers get past their first checks. */
  const capabilityLike = fc.oneof(
    fc.jsonValue(),
    fc.record(
      {
        name: fc.oneof(fc.string(), fc.jsonValue()),
        description: fc.jsonValue(),
        inputSchema: fc.jsonValue(),
        arguments: fc.jsonValue(),
        alias: fc.jsonValue(),
        portal_alias: fc.oneof(fc.string(), fc.jsonValue()),
        server_alias: fc.oneof(fc.string(), fc.jsonValue()),
        enabled: fc.oneof(fc.boolean(), fc.jsonValue()),
      },
      { requiredKeys: [] },
    ),
  );
  const serverLike = fc.record(
    {
      id: fc.oneof(fc.string(), fc.jsonValue()),
      server_id: fc.oneof(fc.string(), fc.jsonValue()),
      status: fc.oneof(fc.constantFrom('ready', 'waiting', 'stale', 'error'), fc.jsonValue()),
      authentication_status: fc.oneof(fc.constantFrom(...AUTHENTICATION_STATUSES), fc.jsonValue()),
      error: fc.jsonValue(),
      error_details: fc.jsonValue(),
      default_disabled: fc.oneof(fc.boolean(), fc.jsonValue()),
      tools: fc.oneof(fc.array(capabilityLike), fc.jsonValue()),
      prompts: fc.oneof(fc.array(capabilityLike), fc.jsonValue()),
      updated_tools: fc.oneof(fc.array(capabilityLike), fc.jsonValue()),
      updated_prompts: fc.oneof(fc.array(capabilityLike), fc.jsonValue()),
    },
    { requiredKeys: [] },
  );
  const anyValue = fc.oneof(serverLike, fc.jsonValue(), fc.anything());

  /** A fingerprint a 53-bit hash gives; an inputTop that reads back as a JSON object. */
  function expectWellFormedReduction({ fingerprint, inputTop }: Capability): void {
    expect(Number.isSafeInteger(fingerprint) && fingerprint >= 0).toBe(true);
    if (inputTop === undefined) return;
    const top: unknown = JSON.parse(inputTop);
    expect(typeof top === 'object' && top !== null && !Array.isArray(top)).toBe(true);
  }

  function expectWellFormed(state: ServerState): void {
    expect(typeof state.id).toBe('string');
    for (const capability of [...state.tools, ...state.prompts]) {
      expect(typeof capability.name === 'string' && capability.name !== '').toBe(true);
      expectWellFormedReduction(capability);
    }
    const overrides = [
      ...state.toolOverrides,
      ...state.promptOverrides,
      ...(state.portalToolOverrides ?? []),
      ...(state.portalPromptOverrides ?? []),
    ];
    for (const override of overrides) {
      expect(typeof override.name === 'string' && override.name !== '').toBe(true);
      if (override.alias !== undefined) expect(override.alias).not.toBe('');
      if (override.enabled !== undefined) expect(typeof override.enabled).toBe('boolean');
    }
  }

  it('parseServerState answers a well-formed state or undefined for any value', () => {
    fc.assert(
      fc.property(anyValue, (value) => {
        const state = parseServerState(value);
        if (state !== undefined) expectWellFormed(state);
      }),
      { numRuns: 1000 },
    );
  });

  it('parsePortal answers well-formed servers or undefined for any value', () => {
    const portalLike = fc.record(
      {
        id: fc.oneof(fc.string(), fc.jsonValue()),
        servers: fc.oneof(fc.array(anyValue), fc.jsonValue()),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(portalLike, fc.anything()), (value) => {
        const portal = parsePortal(value);
        if (portal === undefined) return;
        expect(typeof portal.id).toBe('string');
        for (const server of portal.servers) expectWellFormed(server);
      }),
      { numRuns: 500 },
    );
  });

  it('capabilityOf answers the same for a copy with its keys sorted, or undefined', () => {
    fc.assert(
      fc.property(capabilityLike, (value) => {
        const capability = capabilityOf(value, 'inputSchema');
        if (capability === undefined) return;
        expectWellFormedReduction(capability);
        expect(capabilityOf(JSON.parse(canonicalJson(value)), 'inputSchema')).toStrictEqual(
          capability,
        );
      }),
      { numRuns: 1000 },
    );
  });

  it('authenticationStatus answers a known status or undefined for any value', () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        const status = authenticationStatus(value);
        expect(status === undefined || AUTHENTICATION_STATUSES.includes(status)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
