// similarIds: which ids a 404 suggests, in which order, checked by hand and against a plain
// unbounded edit distance.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { similarIds } from '../../src/server/similar-ids.js';

describe('similarIds', () => {
  it('suggests ids within the edit bound, nearest first', () => {
    // 'docs-server' has 11 characters: at most ⌈11/3⌉ = 4 edits.
    const known = ['docs-srvr', 'docs-servre', 'docs-server-x', 'dcos-svr', 'dcos-sv', 'billing'];
    expect(similarIds('docs-server', known, 10)).toEqual([
      'docs-servre',
      'docs-server-x',
      'docs-srvr',
      'dcos-svr',
    ]);
  });

  it('counts a swap of neighbours as one edit', () => {
    expect(similarIds('abcdef', ['abcdxy', 'abcdfe'])).toEqual(['abcdfe', 'abcdxy']);
    expect(similarIds('abcdef', ['bacdfe'])).toEqual(['bacdfe']);
    // Three edits exceed the bound of 2 for six characters, however they are counted.
    expect(similarIds('abcdef', ['badcfe'])).toEqual([]);
  });

  it('allows at least two edits to a short id', () => {
    expect(similarIds('ab', ['ba', 'xy', 'abcd', 'xyz'])).toEqual(['ba', 'abcd', 'xy']);
  });

  it('suggests an id that contains the one asked for, or is contained by it, at any length', () => {
    const known = ['prod-eu-west-docs-server', 'eu', 'docs', 'prodx'];
    expect(similarIds('prod', known)).toEqual(['prodx', 'prod-eu-west-docs-server']);
    expect(similarIds('prod-eu-west-docs-server', known)).toEqual(['docs', 'eu']);
  });

  it.each([
    ['reversed', ['servez', 'servex', 'servea', 'Server-']],
    ['shuffled', ['servex', 'Server-', 'servez', 'servea']],
  ])('breaks ties in code-unit order, from any order (%s)', (_order, known) => {
    expect(similarIds('server', known, 4)).toEqual(['Server-', 'servea', 'servex', 'servez']);
  });

  it('ignores case when measuring but never suggests the id itself', () => {
    expect(similarIds('Docs-Server', ['docs-serv', 'Docs-Server', 'docs-server'])).toEqual([
      'docs-server',
      'docs-serv',
    ]);
  });

  it('lists a repeated id once and stops at max', () => {
    const known = ['mcp-1', 'mcp-2', 'mcp-1', 'mcp-3', 'mcp-4'];
    expect(similarIds('mcp-0', known)).toEqual(['mcp-1', 'mcp-2', 'mcp-3']);
    expect(similarIds('mcp-0', known, 1)).toEqual(['mcp-1']);
    expect(similarIds('mcp-0', known, 0)).toEqual([]);
    expect(similarIds('mcp-0', known, -1)).toEqual([]);
  });

  it('never suggests an empty id, and from an empty id only what the bound allows', () => {
    expect(similarIds('ab', ['', 'ba'])).toEqual(['ba']);
    expect(similarIds('', ['', 'a', 'ab', 'abc'])).toEqual(['a', 'ab']);
  });

  it('finds the nearest among ten thousand ids', () => {
    const known = Array.from({ length: 10_000 }, (_, i) => `server-${String(i).padStart(5, '0')}`);
    // One edit each: a digit substituted, or 4 and 2 swapped.
    expect(similarIds('server-04242', known, 5)).toEqual([
      'server-00242',
      'server-01242',
      'server-02242',
      'server-02442',
      'server-03242',
    ]);
  });
});

// --- Properties ----------------------------------------------------------------------------------

/** Optimal-string-alignment distance over the whole table, with no bound or early exit. */
function plainDistance(a: string, b: string): number {
  const table = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number): number => table[i]?.[j] ?? Number.NaN;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      let best = Math.min(
        at(i - 1, j) + 1,
        at(i, j - 1) + 1,
        at(i - 1, j - 1) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, at(i - 2, j - 2) + 1);
      }
      const row = table[i];
      if (row !== undefined) row[j] = best;
    }
  }
  return at(a.length, b.length);
}

/** What similarIds should answer, worked out the slow way. */
function expected(id: string, known: string[], max: number): string[] {
  const target = id.toLowerCase();
  const bound = Math.max(2, Math.ceil(target.length / 3));
  const scored = [...new Set(known)]
    .filter((candidate) => candidate !== id && candidate !== '')
    .map((candidate) => {
      const lower = candidate.toLowerCase();
      const contains = target !== '' && (lower.includes(target) || target.includes(lower));
      return { candidate, distance: plainDistance(target, lower), contains };
    })
    .filter(({ distance, contains }) => contains || distance <= bound);
  scored.sort(
    (x, y) =>
      x.distance - y.distance ||
      (x.candidate < y.candidate ? -1 : x.candidate > y.candidate ? 1 : 0),
  );
  return scored.slice(0, max).map(({ candidate }) => candidate);
}

const idArb = fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'A', '-'), maxLength: 9 });

describe('similarIds: properties', () => {
  it('answers what the unbounded distance says, never the id, at most max, each once', () => {
    fc.assert(
      fc.property(
        idArb,
        fc.array(idArb, { maxLength: 30 }),
        fc.integer({ min: 0, max: 6 }),
        (id, known, max) => {
          const found = similarIds(id, known, max);
          expect(found).toEqual(expected(id, known, max));
          expect(found).not.toContain(id);
          expect(found.length).toBeLessThanOrEqual(max);
          expect(new Set(found).size).toBe(found.length);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('never returns the id itself when it is among the known ids', () => {
    fc.assert(
      fc.property(fc.string(), fc.array(fc.string()), (id, known) => {
        const found = similarIds(id, [id, ...known, id]);
        expect(found).not.toContain(id);
        expect(found.length).toBeLessThanOrEqual(3);
      }),
      { numRuns: 1000 },
    );
  });
});
