// diffCapabilities and the offered lists: every rule of the contract's `changes`, pinned with
// exact values, then properties over generated readings.
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { promptOf, toolOf } from '../support/capabilities.js';
import { type Capability, type Override, type ServerState } from '../../src/api/server-object.js';
import {
  diffCapabilities,
  offeredPrompts,
  offeredTools,
  type Changes,
} from '../../src/server/capability-diff.js';

const RUNS = { numRuns: 500 };

function state(fields: Partial<ServerState> = {}): ServerState {
  return { id: 'srv', tools: [], prompts: [], toolOverrides: [], promptOverrides: [], ...fields };
}

function tool(name: string, inputSchema?: unknown, description?: string): Capability {
  return toolOf({ name, inputSchema, description });
}

function names(capabilities: Capability[]): string[] {
  return capabilities.map((capability) => capability.name);
}

const NO_CHANGE: Changes = {
  tools: { added: [], removed: [], changed: [] },
  prompts: { added: [], removed: [], changed: [] },
  breaking: [],
};

/** The breaking list when only one tool's input schema goes from `before` to `after`. */
function schemaBreaks(before: unknown, after: unknown): string[] {
  return diffCapabilities(
    state({ tools: [tool('t', before)] }),
    state({ tools: [tool('t', after)] }),
  ).breaking;
}

describe('offeredTools and offeredPrompts', () => {
  const tools = [tool('a'), tool('b'), tool('c')];

  it('offers every upstream capability when nothing overrides it', () => {
    expect(names(offeredTools(state({ tools })))).toEqual(['a', 'b', 'c']);
  });

  it('leaves out one a server override disables, whatever its alias', () => {
    const toolOverrides: Override[] = [
      { name: 'b', enabled: false, alias: 'bee' },
      { name: 'c', alias: 'sea' },
    ];
    expect(names(offeredTools(state({ tools, toolOverrides })))).toEqual(['a', 'c']);
  });

  it('leaves out one a portal override disables', () => {
    const portalToolOverrides: Override[] = [{ name: 'a', enabled: false }, { name: 'c' }];
    expect(names(offeredTools(state({ tools, portalToolOverrides })))).toEqual(['b', 'c']);
  });

  it('offers only what the portal enables when the portal disables by default', () => {
    const portalToolOverrides: Override[] = [
      { name: 'a', enabled: true },
      { name: 'b' },
      { name: 'c', enabled: false },
    ];
    expect(
      names(offeredTools(state({ tools, portalToolOverrides, portalDefaultDisabled: true }))),
    ).toEqual(['a']);
  });

  it('keeps a server override that disables even when the portal enables', () => {
    expect(
      names(
        offeredTools(
          state({
            tools,
            toolOverrides: [{ name: 'a', enabled: false }],
            portalToolOverrides: [{ name: 'a', enabled: true }],
            portalDefaultDisabled: true,
          }),
        ),
      ),
    ).toEqual([]);
  });

  it('counts a repeated name once, as its first entry, and the first override of a name', () => {
    const [first, b, second] = [
      tool('a', undefined, 'first'),
      tool('b'),
      tool('a', undefined, 'second'),
    ];
    expect(first).not.toEqual(second);
    const offered = offeredTools(
      state({
        tools: [first, b, second],
        toolOverrides: [
          { name: 'b', enabled: true },
          { name: 'b', enabled: false },
        ],
      }),
    );
    expect(offered).toEqual([first, b]);
    expect(offered[0]).toBe(first);
  });

  it('applies prompt overrides to prompts and tool overrides to tools only', () => {
    const reading = state({
      tools: [tool('x')],
      prompts: [tool('x'), tool('y')],
      toolOverrides: [{ name: 'y', enabled: false }],
      promptOverrides: [{ name: 'x', enabled: false }],
      portalPromptOverrides: [{ name: 'y', enabled: true }],
      portalDefaultDisabled: true,
    });
    expect(names(offeredPrompts(reading))).toEqual(['y']);
    expect(names(offeredTools(reading))).toEqual([]);
  });
});

describe('diffCapabilities: added, removed, changed', () => {
  it('finds nothing between equal readings', () => {
    const reading = state({ tools: [tool('a', { type: 'object' })], prompts: [tool('p')] });
    expect(diffCapabilities(reading, structuredClone(reading))).toEqual(NO_CHANGE);
  });

  it('lists added, removed and changed names sorted, tools and prompts apart', () => {
    const before = state({
      tools: [tool('zeta'), tool('beta', undefined, 'old'), tool('alpha')],
      prompts: [promptOf({ name: 'p', arguments: [{ name: 'x' }] })],
    });
    const after = state({
      tools: [tool('gamma'), tool('beta', undefined, 'new'), tool('alpha'), tool('delta')],
      prompts: [promptOf({ name: 'p', arguments: [{ name: 'y' }] }), toolOf({ name: 'q' })],
    });
    expect(diffCapabilities(before, after)).toEqual({
      tools: { added: ['delta', 'gamma'], removed: ['zeta'], changed: ['beta'] },
      prompts: { added: ['q'], removed: [], changed: ['p'] },
      breaking: ['tool zeta removed'],
    });
  });

  it('ignores the order of object keys but not of array items', () => {
    const before = state({
      tools: [
        tool('keys', { type: 'object', properties: { a: { type: 'string' }, b: {} } }),
        tool('items', { type: 'object', required: ['a', 'b'], properties: { a: {}, b: {} } }),
      ],
    });
    const after = state({
      tools: [
        tool('keys', { properties: { b: {}, a: { type: 'string' } }, type: 'object' }),
        tool('items', { type: 'object', required: ['b', 'a'], properties: { a: {}, b: {} } }),
      ],
    });
    expect(diffCapabilities(before, after)).toEqual({
      ...NO_CHANGE,
      tools: { added: [], removed: [], changed: ['items'] },
    });
  });

  it('tells a missing description or schema from an empty one', () => {
    const before = state({ tools: [tool('a'), tool('b')] });
    const after = state({ tools: [tool('a', undefined, ''), tool('b', {})] });
    expect(diffCapabilities(before, after).tools.changed).toEqual(['a', 'b']);
  });

  it('tells a null input from none', () => {
    const before = state({ tools: [tool('t')], prompts: [promptOf({ name: 'p' })] });
    const after = state({
      tools: [tool('t', null)],
      prompts: [promptOf({ name: 'p', arguments: null })],
    });
    expect(diffCapabilities(before, after)).toEqual({
      ...NO_CHANGE,
      tools: { added: [], removed: [], changed: ['t'] },
      prompts: { added: [], removed: [], changed: ['p'] },
    });
  });

  it("does not compare a tool's arguments or a prompt's inputSchema", () => {
    const before = state({
      tools: [toolOf({ name: 't', arguments: [1] })],
      prompts: [promptOf({ name: 'p', inputSchema: { a: 1 }, arguments: [] })],
    });
    const after = state({
      tools: [toolOf({ name: 't', arguments: [2] })],
      prompts: [promptOf({ name: 'p', inputSchema: { a: 2 }, arguments: [] })],
    });
    expect(diffCapabilities(before, after)).toEqual(NO_CHANGE);
  });

  it("compares a tool's inputSchema and a prompt's arguments whatever lies beside them", () => {
    const before = state({
      tools: [toolOf({ name: 't', arguments: [] })],
      prompts: [promptOf({ name: 'p', inputSchema: {}, arguments: [1] })],
    });
    const after = state({
      tools: [toolOf({ name: 't', inputSchema: [], arguments: [] })],
      prompts: [promptOf({ name: 'p', inputSchema: {}, arguments: [2] })],
    });
    expect(diffCapabilities(before, after)).toEqual({
      ...NO_CHANGE,
      tools: { added: [], removed: [], changed: ['t'] },
      prompts: { added: [], removed: [], changed: ['p'] },
    });
  });

  it('calls a tool changed, not broken, when only a detail below its top level changed', () => {
    const schema = (description: string) => ({
      type: 'object',
      properties: { q: { type: 'string', description, minLength: 1 } },
      required: ['q'],
    });
    expect(
      diffCapabilities(
        state({ tools: [tool('t', schema('the query'))] }),
        state({ tools: [tool('t', schema('what to look for'))] }),
      ),
    ).toEqual({ ...NO_CHANGE, tools: { added: [], removed: [], changed: ['t'] } });
  });

  it('compares the first of repeated names only', () => {
    const before = state({ tools: [tool('a', undefined, 'same'), tool('a', undefined, 'x')] });
    const after = state({ tools: [tool('a', undefined, 'same'), tool('a', undefined, 'y')] });
    expect(diffCapabilities(before, after)).toEqual(NO_CHANGE);
  });

  it('counts capabilities an override enables as added', () => {
    const before = state({ tools: [tool('a')], toolOverrides: [{ name: 'a', enabled: false }] });
    const after = state({ tools: [tool('a')], toolOverrides: [{ name: 'a', enabled: true }] });
    expect(diffCapabilities(before, after)).toEqual({
      ...NO_CHANGE,
      tools: { added: ['a'], removed: [], changed: [] },
    });
  });

  it('does not compare or judge the inputs of a tool offered on one side only', () => {
    const before = state({ tools: [tool('a', { required: [] })] });
    const after = state({
      tools: [tool('a', { required: ['x'] })],
      toolOverrides: [{ name: 'a', enabled: false }],
    });
    expect(diffCapabilities(before, after)).toEqual({
      ...NO_CHANGE,
      tools: { added: [], removed: ['a'], changed: [] },
      breaking: ['tool a disabled by an override'],
    });
  });
});

describe('diffCapabilities: capabilities no longer offered', () => {
  const before = state({ tools: [tool('a'), tool('b')], prompts: [tool('p'), tool('q')] });

  it('says removed when the upstream list lacks it', () => {
    expect(diffCapabilities(before, state({ tools: [tool('b')], prompts: [tool('q')] }))).toEqual({
      tools: { added: [], removed: ['a'], changed: [] },
      prompts: { added: [], removed: ['p'], changed: [] },
      breaking: ['tool a removed', 'prompt p removed'],
    });
  });

  it('says disabled when a server override turns it off', () => {
    const after = state({
      ...before,
      toolOverrides: [{ name: 'b', enabled: false }],
      promptOverrides: [{ name: 'q', enabled: false }],
    });
    expect(diffCapabilities(before, after).breaking).toEqual([
      'tool b disabled by an override',
      'prompt q disabled by an override',
    ]);
  });

  it('says disabled when a portal override turns it off', () => {
    const after = state({ ...before, portalToolOverrides: [{ name: 'a', enabled: false }] });
    expect(diffCapabilities(before, after)).toEqual({
      ...NO_CHANGE,
      tools: { added: [], removed: ['a'], changed: [] },
      breaking: ['tool a disabled by an override'],
    });
  });

  it('says disabled when the portal starts disabling by default', () => {
    const after = state({
      ...before,
      portalDefaultDisabled: true,
      portalToolOverrides: [{ name: 'b', enabled: true }],
      portalPromptOverrides: [{ name: 'p', enabled: true }],
    });
    expect(diffCapabilities(before, after)).toEqual({
      tools: { added: [], removed: ['a'], changed: [] },
      prompts: { added: [], removed: ['q'], changed: [] },
      breaking: ['tool a disabled by an override', 'prompt q disabled by an override'],
    });
  });

  it('does not mind a capability that was not offered before either', () => {
    const hidden = state({ ...before, toolOverrides: [{ name: 'a', enabled: false }] });
    expect(diffCapabilities(hidden, state({ ...hidden, tools: [tool('b')] }))).toEqual(NO_CHANGE);
  });
});

describe("diffCapabilities: a tool's input schema", () => {
  const object = (properties: Record<string, unknown>, required?: string[]) =>
    required === undefined
      ? { type: 'object', properties }
      : { type: 'object', properties, required };

  it('breaks when a property becomes required, new or old', () => {
    expect(schemaBreaks(object({ a: {} }), object({ a: {}, b: {} }, ['b', 'a']))).toEqual([
      'tool t: input a is now required',
      'tool t: input b is now required',
    ]);
  });

  it('does not break for a new optional property or one no longer required', () => {
    expect(
      schemaBreaks(object({ a: {} }, ['a']), object({ a: {}, b: { type: 'string' } })),
    ).toEqual([]);
  });

  it('breaks when a top-level property is gone, however deep it was', () => {
    expect(schemaBreaks(object({ a: object({ inner: {} }), b: {} }), object({ b: {} }))).toEqual([
      'tool t: input a removed',
    ]);
  });

  it('does not judge nested properties', () => {
    expect(
      schemaBreaks(object({ a: object({ inner: {} }) }), object({ a: object({}, ['x']) })),
    ).toEqual([]);
  });

  it('breaks when a property changes type', () => {
    expect(
      schemaBreaks(object({ a: { type: 'string' } }), object({ a: { type: 'number' } })),
    ).toEqual(['tool t: input a changed type from string to number']);
  });

  it('compares type arrays as sets and shows them joined with |', () => {
    expect(
      schemaBreaks(
        object({ same: { type: ['string', 'null'] }, less: { type: ['string', 'integer'] } }),
        object({ same: { type: ['null', 'string', 'null'] }, less: { type: ['string'] } }),
      ),
    ).toEqual(['tool t: input less changed type from integer|string to string']);
  });

  it('breaks when a property gains a type it had not, shown as any', () => {
    expect(schemaBreaks(object({ a: {} }), object({ a: { type: 'string' } }))).toEqual([
      'tool t: input a changed type from any to string',
    ]);
  });

  it('does not break when a type widens: lost, a type beside it, integer to number', () => {
    expect(
      schemaBreaks(
        object({ lost: { type: 'string' }, beside: { type: 'string' }, num: { type: 'integer' } }),
        object({ lost: {}, beside: { type: ['string', 'null'] }, num: { type: 'number' } }),
      ),
    ).toEqual([]);
  });

  it('breaks when integer narrows number', () => {
    expect(
      schemaBreaks(object({ n: { type: 'number' } }), object({ n: { type: 'integer' } })),
    ).toEqual(['tool t: input n changed type from number to integer']);
  });

  it('reads a schema that is not an object as {}', () => {
    expect(schemaBreaks(object({ a: {} }), null)).toEqual(['tool t: input a removed']);
    expect(schemaBreaks('junk', { required: ['a'] })).toEqual(['tool t: input a is now required']);
    expect(schemaBreaks([1, 2], true)).toEqual([]);
    expect(schemaBreaks(undefined, { properties: { a: {} } })).toEqual([]);
  });

  it('reads malformed parts as absent: properties, required, property schemas, types', () => {
    expect(schemaBreaks({ properties: ['a'] }, { required: 'a' })).toEqual([]);
    expect(schemaBreaks({ required: [1, 'a'] }, { required: [2, 'a', null] })).toEqual([]);
    expect(
      schemaBreaks(object({ a: true, b: { type: 7 } }), object({ a: { type: [] }, b: {} })),
    ).toEqual([]);
    expect(
      schemaBreaks(
        object({ a: { type: [1, 'string'] } }),
        object({ a: { type: [null, 'number'] } }),
      ),
    ).toEqual(['tool t: input a changed type from string to number']);
  });

  it('judges a property named __proto__ like any other', () => {
    const schema = (type: string) =>
      JSON.parse(
        `{"type":"object","properties":{"__proto__":{"type":"${type}"},"a":{}}}`,
      ) as unknown;
    expect(schemaBreaks(schema('string'), object({ a: {} }))).toEqual([
      'tool t: input __proto__ removed',
    ]);
    expect(schemaBreaks(schema('string'), schema('number'))).toEqual([
      'tool t: input __proto__ changed type from string to number',
    ]);
  });

  it('orders messages by property, and for one property removed before required', () => {
    expect(
      schemaBreaks(object({ c: { type: 'string' }, b: {}, a: {} }), {
        type: 'object',
        properties: { c: { type: 'boolean' }, a: {} },
        required: ['b', 'c'],
      }),
    ).toEqual([
      'tool t: input b removed',
      'tool t: input b is now required',
      'tool t: input c changed type from string to boolean',
      'tool t: input c is now required',
    ]);
  });

  it('orders properties by code unit, whether the old properties or the new required list names them', () => {
    expect(schemaBreaks(object({ b: {} }), { type: 'object', required: ['a'] })).toEqual([
      'tool t: input a is now required',
      'tool t: input b removed',
    ]);
    // Object.keys would list integer-like names in numeric order.
    expect(schemaBreaks(object({ 9: {}, 10: {} }), object({}))).toEqual([
      'tool t: input 10 removed',
      'tool t: input 9 removed',
    ]);
  });

  it("does not judge a prompt's arguments", () => {
    const before = state({ prompts: [promptOf({ name: 'p', arguments: [{ name: 'a' }] })] });
    const after = state({
      prompts: [promptOf({ name: 'p', arguments: [{ name: 'a', required: true }] })],
    });
    expect(diffCapabilities(before, after)).toEqual({
      ...NO_CHANGE,
      prompts: { added: [], removed: [], changed: ['p'] },
    });
  });
});

describe('diffCapabilities: overrides that name a capability that no longer exists', () => {
  const aliased: Override[] = [{ name: 'a', alias: 'renamed-a' }];

  it('breaks when an aliased capability leaves upstream', () => {
    const before = state({ tools: [tool('a'), tool('b')], toolOverrides: aliased });
    const after = state({ tools: [tool('b')], toolOverrides: aliased });
    expect(diffCapabilities(before, after).breaking).toEqual([
      'tool a removed',
      'tool override a (alias renamed-a) names a tool that no longer exists: Cloudflare drops the alias',
    ]);
  });

  it('breaks for a new alias override of a capability not upstream, and for prompts', () => {
    const before = state({ promptOverrides: [{ name: 'p', enabled: false }] });
    const after = state({
      toolOverrides: aliased,
      promptOverrides: [{ name: 'p', alias: 'renamed-p', enabled: false }],
    });
    expect(diffCapabilities(before, after).breaking).toEqual([
      'tool override a (alias renamed-a) names a tool that no longer exists: Cloudflare drops the alias',
      'prompt override p (alias renamed-p) names a prompt that no longer exists: Cloudflare drops the alias',
    ]);
  });

  it('does not break again for an override that already dangled', () => {
    const before = state({ tools: [tool('b')], toolOverrides: aliased });
    const after = state({ tools: [tool('b')], toolOverrides: [{ name: 'a', alias: 'other' }] });
    expect(diffCapabilities(before, after)).toEqual(NO_CHANGE);
  });

  it('does not mind an override without an alias, or one whose capability is still upstream', () => {
    const before = state({ tools: [tool('a')] });
    const after = state({
      tools: [tool('a')],
      toolOverrides: [{ name: 'gone', enabled: false }, ...aliased],
    });
    expect(diffCapabilities(before, after)).toEqual(NO_CHANGE);
  });

  it('judges the first override of a name only', () => {
    const after = state({ toolOverrides: [{ name: 'a' }, ...aliased] });
    expect(diffCapabilities(state(), after)).toEqual(NO_CHANGE);
  });
});

describe('diffCapabilities: order and names', () => {
  it('lists tools before prompts, each by name, one capability’s messages together', () => {
    const before = state({
      tools: [tool('b', { properties: { x: {} } }), tool('a'), tool('c')],
      prompts: [tool('a')],
      toolOverrides: [{ name: 'a', alias: 'aa' }],
    });
    const after = state({
      tools: [tool('b', {}), tool('c')],
      toolOverrides: [
        { name: 'a', alias: 'aa' },
        { name: 'c', enabled: false },
      ],
    });
    expect(diffCapabilities(before, after).breaking).toEqual([
      'tool a removed',
      'tool override a (alias aa) names a tool that no longer exists: Cloudflare drops the alias',
      'tool b: input x removed',
      'tool c disabled by an override',
      'prompt a removed',
    ]);
  });

  it('uses names as they are, spaces and all, in code-unit order', () => {
    const before = state({ tools: [tool('é'), tool('Z'), tool('a b')] });
    expect(diffCapabilities(before, state())).toEqual({
      ...NO_CHANGE,
      tools: { added: [], removed: ['Z', 'a b', 'é'], changed: [] },
      breaking: ['tool Z removed', 'tool a b removed', 'tool é removed'],
    });
  });
});

// --- Properties ----------------------------------------------------------------------------------

const NAMES = ['a', 'b', 'c', 'd'];
const nameArb = fc.constantFrom(...NAMES);
const typeArb = fc.oneof(
  fc.constantFrom('string', 'number', 'integer', 'boolean', 'null'),
  fc.subarray(['string', 'number', 'integer', 'null']),
);
const schemaArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(undefined, null, 'junk', true, []),
  fc.record(
    {
      type: fc.constant('object'),
      properties: fc.dictionary(
        fc.constantFrom('x', 'y', 'z'),
        fc.record({ type: typeArb, description: fc.constantFrom('d', 'e') }, { requiredKeys: [] }),
      ),
      required: fc.subarray(['x', 'y', 'z', 'w']),
    },
    { requiredKeys: [] },
  ),
);
const descriptionArb = fc.constantFrom('one', 'two');
const argumentsArb = fc.constantFrom(null, [], [{ name: 'x' }], [{ name: 'x', required: true }]);
/** Tool or prompt objects as the API gives them, with either kind's fields or both. */
const rawCapabilityArb = fc.record(
  { name: nameArb, description: descriptionArb, inputSchema: schemaArb, arguments: argumentsArb },
  { requiredKeys: ['name'] },
);
const overrideArb: fc.Arbitrary<Override> = fc.record(
  { name: nameArb, alias: fc.constantFrom('x1', 'x2'), enabled: fc.boolean() },
  { requiredKeys: ['name'] },
);
/** A reading with its tools and prompts as the API gives them: see `reading`. */
const rawStateArb = fc.record(
  {
    id: fc.constant('srv'),
    tools: fc.array(rawCapabilityArb, { maxLength: 5 }),
    prompts: fc.array(rawCapabilityArb, { maxLength: 5 }),
    toolOverrides: fc.array(overrideArb, { maxLength: 3 }),
    promptOverrides: fc.array(overrideArb, { maxLength: 3 }),
    portalToolOverrides: fc.array(overrideArb, { maxLength: 3 }),
    portalPromptOverrides: fc.array(overrideArb, { maxLength: 3 }),
    portalDefaultDisabled: fc.boolean(),
  },
  {
    requiredKeys: ['id', 'tools', 'prompts', 'toolOverrides', 'promptOverrides'],
  },
);
type RawState = Omit<ServerState, 'tools' | 'prompts'> & {
  tools: { name: string }[];
  prompts: { name: string }[];
};

function reading(raw: RawState): ServerState {
  return { ...raw, tools: raw.tools.map(toolOf), prompts: raw.prompts.map(promptOf) };
}

const stateArb: fc.Arbitrary<ServerState> = rawStateArb.map(reading);

/** The same JSON with every object's keys in reverse order. */
function reversedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reversedKeys);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .reverse()
      .map(([key, item]) => [key, reversedKeys(item)]),
  );
}

/** The kind and capability a breaking message is about (names here have no spaces). */
function subject(message: string): { label: string; name: string } {
  const match = /^(tool|prompt) (?:override )?([^ :]+)/.exec(message);
  if (match?.[1] === undefined || match[2] === undefined) throw new Error(`odd message ${message}`);
  return { label: match[1], name: match[2] };
}

describe('diffCapabilities: properties', () => {
  it('finds no change between a reading and itself, whatever the key order', () => {
    fc.assert(
      fc.property(rawStateArb, (raw) => {
        expect(diffCapabilities(reading(raw), reading(raw))).toEqual(NO_CHANGE);
        expect(diffCapabilities(reading(raw), reading(reversedKeys(raw) as RawState))).toEqual(
          NO_CHANGE,
        );
      }),
      RUNS,
    );
  });

  it('calls a capability changed exactly when its description or input differs as JSON', () => {
    // The rule before fingerprints, as the contract words it: a tool's input is its inputSchema, a
    // prompt's its arguments; keys in any order, a missing one unlike null. The JSON round trip
    // only sheds the null prototypes fast-check gives some objects.
    const compared = (raw: Record<string, unknown>, input: 'inputSchema' | 'arguments') => [
      typeof raw.description === 'string' ? raw.description : undefined,
      raw[input] === undefined ? undefined : (JSON.parse(JSON.stringify(raw[input])) as unknown),
    ];
    const differs = (
      input: 'inputSchema' | 'arguments',
      a: Record<string, unknown>,
      b: Record<string, unknown>,
    ): boolean => !isDeepStrictEqual(compared(a, input), compared(b, input));
    fc.assert(
      fc.property(rawCapabilityArb, rawCapabilityArb, (was, raw) => {
        const now = { ...raw, name: was.name };
        const changes = diffCapabilities(
          state({ tools: [toolOf(was)], prompts: [promptOf(was)] }),
          state({ tools: [toolOf(now)], prompts: [promptOf(now)] }),
        );
        expect(changes.tools.changed).toEqual(differs('inputSchema', was, now) ? [was.name] : []);
        expect(changes.prompts.changed).toEqual(differs('arguments', was, now) ? [was.name] : []);
      }),
      RUNS,
    );
  });

  it('swaps added and removed, and keeps changed, when the readings swap', () => {
    fc.assert(
      fc.property(stateArb, stateArb, (before, after) => {
        const forward = diffCapabilities(before, after);
        const backward = diffCapabilities(after, before);
        for (const kind of ['tools', 'prompts'] as const) {
          expect(backward[kind]).toEqual({
            added: forward[kind].removed,
            removed: forward[kind].added,
            changed: forward[kind].changed,
          });
        }
      }),
      RUNS,
    );
  });

  it('never both adds and removes a name, and lists each name once, sorted', () => {
    fc.assert(
      fc.property(stateArb, stateArb, (before, after) => {
        const changes = diffCapabilities(before, after);
        for (const kind of [changes.tools, changes.prompts]) {
          const all = [...kind.added, ...kind.removed, ...kind.changed];
          expect(new Set(all).size).toBe(all.length);
          for (const list of [kind.added, kind.removed, kind.changed]) {
            expect(list).toEqual([...list].sort());
          }
        }
      }),
      RUNS,
    );
  });

  it('calls every removal breaking, says why, and never names an added capability', () => {
    fc.assert(
      fc.property(stateArb, stateArb, (before, after) => {
        const changes = diffCapabilities(before, after);
        const upstream = { tool: names(after.tools), prompt: names(after.prompts) };
        for (const [label, kind] of [
          ['tool', changes.tools],
          ['prompt', changes.prompts],
        ] as const) {
          for (const name of kind.removed) {
            const why = upstream[label].includes(name) ? 'disabled by an override' : 'removed';
            expect(changes.breaking).toContain(`${label} ${name} ${why}`);
          }
          for (const message of changes.breaking) {
            const about = subject(message);
            if (about.label === label) expect(kind.added).not.toContain(about.name);
          }
        }
      }),
      RUNS,
    );
  });

  it('orders breaking messages tools first, then by name', () => {
    fc.assert(
      fc.property(stateArb, stateArb, (before, after) => {
        const subjects = diffCapabilities(before, after).breaking.map(subject);
        const keys = subjects.map(({ label, name }) => `${label === 'tool' ? 0 : 1} ${name}`);
        expect(keys).toEqual([...keys].sort());
      }),
      RUNS,
    );
  });
});
