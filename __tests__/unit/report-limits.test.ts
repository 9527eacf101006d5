// Byte-bounded joining: what keeps outputs and the summary inside GitHub's limits.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { andMore, joinWithin, utf8Bytes } from '../../src/report/limits.js';

const plus = (left: number): string => `+${left}`;

describe('joinWithin', () => {
  it('joins every part when the whole text is under the limit', () => {
    expect(joinWithin(['a', 'b', 'c'], 6, { more: plus })).toEqual({ text: 'a\nb\nc', kept: 3 });
  });

  it('cuts at the limit itself: fewer bytes than the limit, never as many', () => {
    expect(joinWithin(['a', 'b', 'c'], 5, { more: plus })).toEqual({ text: 'a\n+2', kept: 1 });
  });

  it('counts UTF-8 bytes, not characters', () => {
    expect(utf8Bytes('é…')).toBe(5);
    expect(joinWithin(['é', 'é'], 6, { more: plus })).toEqual({ text: 'é\né', kept: 2 });
    // Three characters, five bytes: not under 5.
    expect(joinWithin(['é', 'é'], 5, { more: plus })).toEqual({ text: '+2', kept: 0 });
    expect(joinWithin(['é', 'é', 'é'], 7, { more: plus })).toEqual({ text: 'é\n+2', kept: 1 });
  });

  it('keeps whole parts and ends with `… and N more`', () => {
    // Each part 100 bytes: k parts take 101k - 1 bytes, the tail `\n… and 91 more` 16.
    const joined = joinWithin(Array<string>(100).fill('x'.repeat(100)), 1024);
    expect(joined.kept).toBe(9);
    expect(joined.text.split('\n')).toEqual([
      ...Array<string>(9).fill('x'.repeat(100)),
      '… and 91 more',
    ]);
    expect(utf8Bytes(joined.text)).toBe(924);
  });

  it('counts the separator before the tail, and the tail for the parts it would count', () => {
    // 'a\nb\n+2' would be 6 bytes; 'a\n+3' is 4.
    expect(joinWithin(['a', 'b', 'c', 'd'], 6, { more: plus })).toEqual({ text: 'a\n+3', kept: 1 });
    // Five parts and '+5' make 12 bytes, under 13; a tail counted as '+15' would not fit.
    expect(joinWithin(Array<string>(10).fill('x'), 13, { more: plus })).toEqual({
      text: 'x\nx\nx\nx\nx\n+5',
      kept: 5,
    });
  });

  it('counts no separator for an empty tail', () => {
    expect(joinWithin(['a', 'b', 'c'], 4, { separator: ',', more: () => '' })).toEqual({
      text: 'a,b',
      kept: 2,
    });
  });

  it('says only `… and N more` when not even one part fits', () => {
    expect(joinWithin(['x'.repeat(50)], 20)).toEqual({ text: '… and 1 more', kept: 0 });
  });

  it('adds nothing for a cut when `more` is empty (a JSON array)', () => {
    expect(joinWithin(['{"a":1}', '{"b":2}'], 10, { separator: ',', more: () => '' })).toEqual({
      text: '{"a":1}',
      kept: 1,
    });
    expect(joinWithin([], 10)).toEqual({ text: '', kept: 0 });
    expect(andMore(3)).toBe('… and 3 more');
  });

  it('keeps a prefix of whole parts under any limit it can meet', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: 'grapheme', maxLength: 30 }), { maxLength: 40 }),
        fc.integer({ min: 20, max: 600 }),
        (parts, limit) => {
          const { text, kept } = joinWithin(parts, limit);
          expect(utf8Bytes(text)).toBeLessThan(limit);
          const head = parts.slice(0, kept).join('\n');
          expect(text.startsWith(head)).toBe(true);
          if (kept < parts.length) {
            expect(text).toBe([...parts.slice(0, kept), andMore(parts.length - kept)].join('\n'));
            // One more part would not have fitted.
            const longer = [...parts.slice(0, kept + 1), andMore(parts.length - kept - 1)];
            const whole = kept + 1 === parts.length ? parts.join('\n') : longer.join('\n');
            expect(utf8Bytes(whole)).toBeGreaterThanOrEqual(limit);
          }
        },
      ),
    );
  });
});
