// Text that came from the network (Cloudflare, a proxy, the upstream MCP server) is hostile until
// it passes through here: it must never span lines in the log, smuggle terminal or bidi control
// characters, or carry HTML and Markdown into the job summary.

/** Longest piece of untrusted text shown in logs, outputs and annotations. */
export const MAX_TEXT_LENGTH = 500;

// C0/C1 controls, Unicode line and paragraph separators, and bidi overrides/isolates.
const UNSAFE_CHARACTERS = /[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069]+/gu;

/** One line of at most `max` characters, with control characters folded to spaces. */
export function oneLine(text: string, max: number = MAX_TEXT_LENGTH): string {
  const folded = text.replace(UNSAFE_CHARACTERS, ' ').replace(/ {2,}/g, ' ').trim();
  return truncate(folded, max);
}

export function truncate(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

const HTML_ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
  '|': '&#124;',
  '[': '&#91;',
  ']': '&#93;',
  '(': '&#40;',
  ')': '&#41;',
  '!': '&#33;',
  '*': '&#42;',
  _: '&#95;',
  '\\': '&#92;',
  '#': '&#35;',
  '~': '&#126;',
  ':': '&#58;',
  '@': '&#64;',
};

/**
 * One line of text made inert for the job summary, which GitHub renders as Markdown with HTML:
 * every character that could open a tag, link, image, emphasis, table cell or autolink
 * (`https:`, `@mention`) is an entity.
 */
export function summaryText(text: string, max: number = MAX_TEXT_LENGTH): string {
  return oneLine(text, max).replace(/[&<>"'`|[\]()!*_\\#~:@]/g, (c) => HTML_ENTITIES[c] ?? c);
}
