// GitHub counts outputs and the job summary in UTF-8 bytes and drops what is too large, so every
// long text the report makes is joined here, under a byte limit, with a line that says what was
// left out.

const KIB = 1024;

/** Step outputs count against a 1 MB job limit; `results` gets a quarter of it. */
export const RESULTS_LIMIT = 256 * KIB;
/** `error` and `breaking-changes`, so that both fit beside `results`. */
export const LINES_OUTPUT_LIMIT = 64 * KIB;
/** GitHub drops a job summary over 1 MiB whole; half of it leaves room for other steps. */
export const SUMMARY_LIMIT = 512 * KIB;

export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

export interface Joined {
  text: string;
  /** How many of the parts, from the first, are in `text`. */
  kept: number;
}

export interface JoinOptions {
  separator?: string;
  /** What ends a cut text, given how many parts were left out; `''` adds nothing. */
  more?: (left: number) => string;
}

export const andMore = (left: number): string => `… and ${left} more`;

/**
 * `parts` joined by `separator`, in fewer than `limit` UTF-8 bytes: all of them when they fit,
 * else as many whole parts from the first as fit together with `more(left)`, which ends the
 * text. A part is never cut in the middle.
 */
export function joinWithin(
  parts: readonly string[],
  limit: number,
  { separator = '\n', more = andMore }: JoinOptions = {},
): Joined {
  const all = parts.join(separator);
  if (utf8Bytes(all) < limit) return { text: all, kept: parts.length };
  const separatorBytes = utf8Bytes(separator);
  // The bytes of parts[0..k) joined, for k = 0 … parts.length; `more` shrinks as k grows, so
  // every k is tried rather than stopping at the first that does not fit.
  let prefixBytes = 0;
  let kept = 0;
  for (let k = 0; k <= parts.length; k += 1) {
    const tail = more(parts.length - k);
    const tailBytes = tail === '' ? 0 : utf8Bytes(tail) + (k > 0 ? separatorBytes : 0);
    if (prefixBytes + tailBytes < limit) kept = k;
    const part = parts[k];
    if (part === undefined) break;
    prefixBytes += utf8Bytes(part) + (k > 0 ? separatorBytes : 0);
    if (prefixBytes >= limit) break;
  }
  const head = parts.slice(0, kept);
  const tail = more(parts.length - kept);
  return { text: (tail === '' ? head : [...head, tail]).join(separator), kept };
}
