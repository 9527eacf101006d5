// canonicalJson and hashJson, what a capability is reduced to: exact texts and values, then
// properties over generated JSON.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { canonicalJson, hashJson, textByHash } from '../../src/api/fingerprint.js';

const RUNS = { numRuns: 500 };

/** The same JSON with every object's keys in an order drawn from `next`. */
function shuffledKeys(value: unknown, next: () => number): unknown {
  if (Array.isArray(value)) return value.map((item) => shuffledKeys(item, next));
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value).map((entry) => ({ entry, rank: next() }));
  entries.sort((a, b) => a.rank - b.rank);
  return Object.fromEntries(
    entries.map(({ entry: [key, item] }) => [key, shuffledKeys(item, next)]),
  );
}

/**
 * JSON of few shapes: small values meet often, so two that an ambiguous encoding would hash alike
 * (numbers side by side, a string that looks like structure) turn up together.
 */
const smallJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { maxDepth: 2 },
    fc.constantFrom<unknown>(null, true, 0, 1, 10, '', 'a', '1'),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom('a', 'b'), tie('value'), { maxKeys: 2 }),
  ),
})).value;

/** `value` with -0 as 0: JSON writes both as 0, so no text can tell them apart. */
function signlessZeros(value: unknown): unknown {
  if (Object.is(value, -0)) return 0;
  if (Array.isArray(value)) return value.map(signlessZeros);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, signlessZeros(item)]));
}

describe('canonicalJson', () => {
  it('sorts the keys of every object, nested ones too, and keeps arrays in their order', () => {
    expect(
      canonicalJson({ b: [3, { d: 1, c: null }, [2, 1]], a: { z: true, y: { x: 'x', w: [] } } }),
    ).toBe('{"a":{"y":{"w":[],"x":"x"},"z":true},"b":[3,{"c":null,"d":1},[2,1]]}');
  });

  // Past 16 keys the general sort takes over from the insertion sort.
  it('sorts the keys of an object with more than 16 of them', () => {
    const keys = Array.from({ length: 20 }, (_, i) => `k${String(i).padStart(2, '0')}`);
    const backward = Object.fromEntries([...keys].reverse().map((key) => [key, 1]));
    const sorted = JSON.stringify(Object.fromEntries(keys.map((key) => [key, 1])));
    expect(canonicalJson(backward)).toBe(sorted);
    expect(hashJson(backward)).toBe(hashJson(JSON.parse(sorted)));
  });

  it('sorts keys by code unit, numeric-looking ones too', () => {
    expect(canonicalJson({ b: 1, B: 2, é: 3, a: 4, 10: 5, 9: 6, '': 7 })).toBe(
      '{"":7,"10":5,"9":6,"B":2,"a":4,"b":1,"é":3}',
    );
  });

  it.each<[string, unknown, string]>([
    ['null', null, 'null'],
    ['true', true, 'true'],
    ['false', false, 'false'],
    ['zero', 0, '0'],
    ['minus zero', -0, '0'],
    ['a fraction', -1.5e-7, '-1.5e-7'],
    ['a large number', 1e21, '1e+21'],
    ['an empty string', '', '""'],
    ['an empty object', {}, '{}'],
    ['an empty array', [], '[]'],
    [
      'quotes, a backslash and control characters',
      'say "hi"\\\n\t\u0001',
      '"say \\"hi\\"\\\\\\n\\t\\u0001"',
    ],
    ['text beyond ASCII, and a lone surrogate', 'é😀\ud800', '"é😀\\ud800"'],
    ['undefined in an array, which JSON has no word for', [undefined], '[null]'],
  ])('writes %s as JSON.stringify does', (_case, value, text) => {
    expect([canonicalJson(value), JSON.stringify(value)]).toEqual([text, text]);
  });

  it('escapes keys as it escapes strings', () => {
    expect(canonicalJson({ 'a"b': 1, '\n': [{ '\\': null }] })).toBe(
      '{"\\n":[{"\\\\":null}],"a\\"b":1}',
    );
  });

  it('keeps a key named __proto__ that JSON.parse made', () => {
    expect(canonicalJson(JSON.parse('{"b":0,"__proto__":{"a":1}}'))).toBe(
      '{"__proto__":{"a":1},"b":0}',
    );
  });

  it('gives the text of a JSON copy for any value with its keys in any order', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.gen(), (value, gen) => {
        const copy: unknown = JSON.parse(JSON.stringify(value));
        expect(canonicalJson(shuffledKeys(value, () => gen(fc.nat)))).toBe(canonicalJson(copy));
      }),
      RUNS,
    );
  });

  it('writes JSON that reads back as the same value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(JSON.parse(canonicalJson(value))).toEqual(signlessZeros(value));
      }),
      RUNS,
    );
  });
});

describe('hashJson', () => {
  it.each<[string, unknown, number]>([
    ['null', null, 6866421779139882],
    ['an empty string', '', 4493286446483500],
    ['a description and a schema', ['Search the docs', { type: 'object' }], 8357653398184012],
  ])('hashes %s to a fixed value', (_case, value, hash) => {
    expect(hashJson(value)).toBe(hash);
  });

  it('continues from a seed: seeds that differ in any of their 53 bits give different hashes', () => {
    const seeds = [undefined, 0, 1, 2 ** 32 - 1, 2 ** 32, 2 ** 52, 2 ** 53 - 1, 2 ** 53 - 2];
    const hashes = seeds.map((seed) => hashJson('Search the docs', seed));
    expect(new Set(hashes).size).toBe(seeds.length);
    expect(hashJson('b', hashJson('a'))).not.toBe(hashJson('a', hashJson('b')));
  });

  it('hashes -0 as 0, as JSON writes both', () => {
    expect(hashJson([-0, { a: -0 }])).toBe(hashJson([0, { a: 0 }]));
  });

  it('answers an integer in [0, 2^53) for any JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const hash = hashJson(value);
        expect(Number.isSafeInteger(hash) && hash >= 0 && hash < 2 ** 53).toBe(true);
      }),
      RUNS,
    );
  });

  it('gives a JSON copy with its keys in any order the same hash', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.gen(), (value, gen) => {
        const copy: unknown = JSON.parse(JSON.stringify(value));
        expect(hashJson(shuffledKeys(value, () => gen(fc.nat)))).toBe(hashJson(copy));
      }),
      RUNS,
    );
  });

  it.each<[string, unknown, unknown]>([
    ['numbers side by side and one number', [1, 2], [12]],
    ['a number and a fraction, and one fraction', [1, 0.5], [10.5]],
    ['two strings and one', ['a', 'b'], ['ab']],
    ['a list and a string that spells it', ['a'], '["a"]'],
    ['an object and a list of its key and value', { a: 'b' }, ['a', 'b']],
    ['null and the string null', null, 'null'],
    ['null and a value left out', null, undefined],
    ['false and true', false, true],
    ['null and an empty string', null, ''],
    ['a number and its digits', 1, '1'],
    ['true and the string true', true, 'true'],
    ['an empty list and an empty object', [], {}],
    ['keys that differ', { a: 1 }, { b: 1 }],
    ['arrays in another order', [1, 'a'], ['a', 1]],
  ])('tells apart %s', (_case, a, b) => {
    expect(hashJson(a)).not.toBe(hashJson(b));
  });

  it('gives distinct JSON distinct hashes', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(smallJson, { maxLength: 200, size: 'max', selector: canonicalJson }),
        (values) => {
          expect(new Set(values.map(hashJson)).size).toBe(values.length);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('tells apart every one-character edit of a sample string', () => {
    const sample = 'Search the docs. {"q":{"type":"string"}}';
    const edits = new Set<string>([sample]);
    for (let i = 0; i <= sample.length; i += 1) {
      const [head, tail] = [sample.slice(0, i), sample.slice(i)];
      edits.add(head + tail.slice(1));
      for (const char of ['a', 'b', ' ', '"', '\u0000', 'é']) {
        edits.add(head + char + tail);
        edits.add(head + char + tail.slice(1));
      }
    }
    // Some edits give the same text (a character replaced by itself, one of a pair deleted).
    expect(edits.size).toBeGreaterThan(sample.length * 10);
    expect(new Set([...edits].map(hashJson)).size).toBe(edits.size);
  });

  it('changes when one code unit of any string changes', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', minLength: 1 }),
        fc.nat(),
        fc.integer({ min: 1, max: 0xffff }),
        (text, at, delta) => {
          const i = at % text.length;
          const code = (text.charCodeAt(i) + delta) % 0x10000;
          const edited = text.slice(0, i) + String.fromCharCode(code) + text.slice(i + 1);
          expect(hashJson(edited)).not.toBe(hashJson(text));
        },
      ),
      RUNS,
    );
  });
});

describe('textByHash', () => {
  it('writes a text once for each hash, and answers that text for the hash from then on', () => {
    let writes = 0;
    const write = (text: string) => () => {
      writes += 1;
      return text;
    };
    expect(textByHash(17, write('[1,2]'))).toBe('[1,2]');
    expect(textByHash(17, write('other'))).toBe('[1,2]');
    expect(textByHash(18, write('[12]'))).toBe('[12]');
    expect(writes).toBe(2);
  });
});
