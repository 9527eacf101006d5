// Text that came from the network (Cloudflare, a proxy, the upstream MCP server) is hostile until
// it passes through here: it must never span lines in the log, smuggle terminal or bidi control
// characters, or carry HTML and Markdown into the job summary.

/** Longest piece of untrusted text shown in logs, outputs and annotations. */
export const MAX_TEXT_LENGTH = 500;

// C0/C1 controls, Unicode line and paragraph separators, and bidi overrides/isolates.
const UNSAFE_CHARACTERS = /[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069]+/gu;

/**
 * One line of at most `max` characters, with control characters folded to spaces, and the
 * runner's older command marker `##[`, which it looks for anywhere in a line, broken up.
 */
export function oneLine(text: string, max: number = MAX_TEXT_LENGTH): string {
  const folded = text
    .replace(UNSAFE_CHARACTERS, ' ')
    .replace(/##\[/g, '## [')
    .replace(/ {2,}/g, ' ')
    .trim();
  return truncate(folded, max);
}

function truncate(text: string, max: number): string {
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
  '.': '&#46;',
};

/**
 * One line of text made inert for the job summary, which GitHub renders as Markdown with HTML:
 * every character that could open a tag, link, image, emphasis, table cell or autolink
 * (`https:`, `www.`, `@mention`) is an entity.
 */
export function summaryText(text: string, max: number = MAX_TEXT_LENGTH): string {
  return oneLine(text, max).replace(/[&<>"'`|[\]()!*_\\#~:@.]/g, (c) => HTML_ENTITIES[c] ?? c);
}

/** Shorter values cannot be real credentials, and replacing them would garble every message. */
const MIN_SECRET_LENGTH = 8;

/**
 * Replaces every occurrence of the given secrets: an API that echoes a request back must not
 * carry our own credentials into outputs and the summary, which the runner does not mask.
 */
export function redactor(secrets: readonly string[]): (text: string) => string {
  const present = secrets.filter((secret) => secret.length >= MIN_SECRET_LENGTH);
  // Almost no text holds a secret: looking costs no allocation, replacing does.
  return (text) =>
    present.some((secret) => text.includes(secret))
      ? present.reduce((clean, secret) => clean.split(secret).join('***'), text)
      : text;
}
