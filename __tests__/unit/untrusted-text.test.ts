// Untrusted text (from the API or the upstream MCP server) never spans lines, never carries control
// or bidi characters, and is inert Markdown/HTML in the job summary.
import { describe, expect, it } from '@jest/globals';
import { MAX_TEXT_LENGTH, oneLine, redactor, summaryText } from '../../src/untrusted-text.js';

const LINE_BREAKS = ['\n', '\r', '\u2028', '\u2029', '\u0085', '\u000b', '\u000c'];
const hasLineBreak = (text: string): boolean =>
  LINE_BREAKS.some((lineBreak) => text.includes(lineBreak));

describe('oneLine', () => {
  // Each text folds to `first second`, unless the case says otherwise.
  it.each<[string, string, string?]>([
    ['a newline', 'first\nsecond'],
    ['a carriage return', 'first\rsecond'],
    ['CRLF', 'first\r\nsecond'],
    ['a line separator', 'first\u2028second'],
    ['a paragraph separator', 'first\u2029second'],
    ['a next-line character', 'first\u0085second'],
    ['a vertical tab and form feed', 'first\u000b\u000csecond'],
    ['a tab', 'first\tsecond'],
    ['a NUL', 'first\u0000second'],
    ['the last C0 control', 'first\u001fsecond'],
    ['a DEL', 'first\u007fsecond'],
    ['the first C1 control', 'first\u0080second'],
    ['the last C1 control', 'first\u009fsecond'],
    ['a left-to-right embedding', 'first\u202asecond'],
    ['an escape sequence', 'first\u001b[2Ksecond', 'first [2Ksecond'],
    ['a right-to-left override', 'first\u202esecond'],
    ['a left-to-right isolate', 'first \u2066second\u2069'],
  ])('folds %s into a space', (_case, text, expected = 'first second') => {
    const line = oneLine(text);
    expect(line).toBe(expected);
    expect(hasLineBreak(line)).toBe(false);
  });

  it.each([
    ['a narrow no-break space', '\u202f'],
    ['an unassigned code point before the isolates', '\u2065'],
    ['the deprecated format character after them', '\u206a'],
    ['a hyphenation point', '\u2027'],
    ['a non-breaking space', '\u00a0'],
  ])('keeps %s, just outside the folded ranges', (_case, character) => {
    expect(oneLine(`first${character}second`)).toBe(`first${character}second`);
  });

  it('collapses runs of spaces and trims', () => {
    expect(oneLine('  a \n\n\n  b  ')).toBe('a b');
    expect(oneLine('a  b   c')).toBe('a b c');
  });

  it('breaks up every ##[ command marker', () => {
    expect(oneLine('a ##[error]b ##[group]c')).toBe('a ## [error]b ## [group]c');
  });

  it('forges no second log line from an injected workflow command', () => {
    const line = oneLine('ok\n::error::forged\r\n::add-mask::x');
    expect(line).toBe('ok ::error::forged ::add-mask::x');
    expect(hasLineBreak(line)).toBe(false);
  });

  it('keeps text within the limit unchanged', () => {
    const text = 'x'.repeat(MAX_TEXT_LENGTH);
    expect(oneLine(text)).toBe(text);
  });

  it('truncates longer text with an ellipsis to exactly the limit', () => {
    const line = oneLine('x'.repeat(MAX_TEXT_LENGTH + 1));
    expect(line.endsWith('…')).toBe(true);
    expect(Array.from(line)).toHaveLength(MAX_TEXT_LENGTH);
  });

  it('honours a smaller limit', () => {
    expect(oneLine('abcdefghij', 5)).toBe('abcd…');
  });

  it('never splits an astral character when truncating', () => {
    const line = oneLine('😀'.repeat(10), 4);
    expect(line).toBe('😀😀😀…');
  });
});

describe('summaryText', () => {
  it.each([
    ['&', '&amp;'],
    ['<', '&lt;'],
    ['>', '&gt;'],
    ['"', '&quot;'],
    ["'", '&#39;'],
    ['`', '&#96;'],
    ['|', '&#124;'],
    ['[', '&#91;'],
    [']', '&#93;'],
    ['(', '&#40;'],
    [')', '&#41;'],
    ['!', '&#33;'],
    ['*', '&#42;'],
    ['_', '&#95;'],
    ['\\', '&#92;'],
    ['#', '&#35;'],
    ['~', '&#126;'],
    [':', '&#58;'],
    ['@', '&#64;'],
    ['.', '&#46;'],
  ])('escapes %s as %s', (character, entity) => {
    expect(summaryText(`a${character}b`)).toBe(`a${entity}b`);
  });

  it.each([
    ['an HTML tag', '<img src=x onerror=alert(1)>', ['<', '>']],
    ['a Markdown link', '[click](https://evil.example)', ['[', '](', 'https:']],
    ['a Markdown image', '![x](https://evil.example/p.png)', ['![', '](', 'https:']],
    ['an autolink', '<https://evil.example>', ['<https:', 'https:']],
    ['a bare URL', 'see https://evil.example/login', ['https:']],
    ['a mention', 'ping @octocat and @org/team', ['@octocat', '@org']],
    ['a table cell break', 'a | b', ['|']],
    ['inline code', '`rm -rf /`', ['`']],
    ['an existing entity', '&lt;script&gt;', ['&lt;script']],
  ])('leaves no %s', (_case, text, forbidden) => {
    const escaped = summaryText(text);
    for (const fragment of forbidden) expect(escaped).not.toContain(fragment);
  });

  it('leaves no GFM extended www. autolink', () => {
    // GitHub Flavored Markdown links a bare `www.example.com` without any scheme or bracket.
    expect(summaryText('log in at www.evil.example/login')).not.toContain('www.');
  });

  it('leaves every other character as it is', () => {
    const plain = 'Az09 -+=/,;?$%^{}\u00e9\u4e2d😀';
    expect(summaryText(plain)).toBe(plain);
  });

  it('is one line, folded like oneLine', () => {
    expect(summaryText('a\n<b>')).toBe('a &lt;b&gt;');
  });

  it('truncates before escaping, so that no entity is cut in half', () => {
    expect(summaryText('a<b>c', 3)).toBe('a&lt;…');
  });
});

describe('redactor', () => {
  it('replaces every occurrence of each secret', () => {
    const redact = redactor(['cfut_SECRET_1234', 'gkey_OTHER_5678']);
    expect(redact('a cfut_SECRET_1234 b cfut_SECRET_1234gkey_OTHER_5678')).toBe('a *** b ******');
  });

  it('replaces a secret when the text holds only one of them', () => {
    expect(redactor(['cfut_SECRET_1234', 'gkey_OTHER_5678'])('only gkey_OTHER_5678')).toBe(
      'only ***',
    );
  });

  it('leaves values shorter than 8 characters, which cannot be credentials', () => {
    expect(redactor(['short12', 'exactly8'])('short12 exactly8')).toBe('short12 ***');
  });

  it('changes nothing without secrets', () => {
    expect(redactor([])('cfut_SECRET_1234')).toBe('cfut_SECRET_1234');
  });
});
