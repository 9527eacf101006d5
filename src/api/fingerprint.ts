// A JSON value reduced to what comparing it needs. A fleet's Before and After readings hold every
// tool of every server at once (10,000 servers of 30 tools are 600,000 of them): kept whole, their
// descriptions and schemas are most of the action's memory, and all that is ever asked of them is
// whether they changed.

/** JSON text of `value` with every object's keys in order, so equal values give equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    const keys = sortedKeys(record);
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`).join(',')}}`;
  }
  // JSON.parse gives nothing else: strings, finite numbers, booleans, null.
  return JSON.stringify(value) ?? 'null';
}

/**
 * A 53-bit hash (cyrb53) of `value` as canonical JSON would write it, without writing it: two
 * values that differ give the same hash with a chance of about 1 in 2^53, which could only hide a
 * "changed". `undefined`, where JSON has no value, hashes apart from `null`.
 */
export function hashJson(value: unknown, seed?: number): number {
  const hash = new Hash53();
  // Split, as a hash has 53 bits and a word 32.
  if (seed !== undefined) hash.words(seed % 2 ** 32, Math.floor(seed / 2 ** 32));
  hash.value(value);
  return hash.digest();
}

/**
 * The keys of `record` in code-unit order, as `sort()` gives them. Most objects of a schema have a
 * handful of keys, which insertion sorts faster than the general sort, a fifth of the whole hash.
 */
function sortedKeys(record: object): string[] {
  const keys = Object.keys(record);
  if (keys.length > 16) return keys.sort();
  for (let i = 1; i < keys.length; i += 1) {
    const key = keys[i] as string;
    let j = i - 1;
    for (; j >= 0 && (keys[j] as string) > key; j -= 1) keys[j + 1] = keys[j] as string;
    keys[j + 1] = key;
  }
  return keys;
}

/**
 * What the hash is fed: a tag before each value, and a string's length before its characters, so
 * the words read back to one value only and no string can pass for structure.
 */
const enum Tag {
  Undefined = 1,
  Null,
  False,
  True,
  Number,
  String,
  Array,
  Object,
  End,
}

class Hash53 {
  private h1 = 0xdeadbeef;
  private h2 = 0x41c6ce57;

  value(value: unknown): void {
    if (typeof value === 'string') {
      this.string(value);
    } else if (Array.isArray(value)) {
      this.word(Tag.Array);
      for (const item of value) this.value(item);
      this.word(Tag.End);
    } else if (typeof value === 'object' && value !== null) {
      const record = value as Record<string, unknown>;
      this.word(Tag.Object);
      for (const key of sortedKeys(record)) {
        this.string(key);
        this.value(record[key]);
      }
      this.word(Tag.End);
    } else if (typeof value === 'number') {
      this.word(Tag.Number);
      // As JSON writes it, so that -0 and 0 are one number.
      this.string(JSON.stringify(value));
    } else if (typeof value === 'boolean') {
      this.word(value ? Tag.True : Tag.False);
    } else {
      this.word(value === null ? Tag.Null : Tag.Undefined);
    }
  }

  words(...words: number[]): void {
    for (const word of words) this.word(word);
  }

  private string(text: string): void {
    this.words(Tag.String, text.length);
    // Two characters to a word: half the multiplications of one at a time.
    const even = text.length - (text.length % 2);
    for (let i = 0; i < even; i += 2) {
      this.word(text.charCodeAt(i) | (text.charCodeAt(i + 1) << 16));
    }
    if (even < text.length) this.word(text.charCodeAt(even));
  }

  private word(word: number): void {
    this.h1 = Math.imul(this.h1 ^ word, 2654435761);
    this.h2 = Math.imul(this.h2 ^ word, 1597334677);
  }

  digest(): number {
    let { h1, h2 } = this;
    h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
    h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
    return 4294967296 * (2097151 & h2) + (h1 >>> 0);
  }
}

const interned = new Map<string, string>();
const byHash = new Map<number, string>();

/**
 * One copy of each text: a fleet's servers share most of their tool names and schemas, and each
 * reading of each server would otherwise hold its own. Kept for the run, which is one process.
 */
export function intern(text: string): string {
  const known = interned.get(text);
  if (known !== undefined) return known;
  interned.set(text, text);
  return text;
}

/**
 * The text `write` gave the first time it was asked for `hash`: the hash of what the text is
 * written from, so that an equal value, a server's After reading of an unchanged schema say, is
 * neither walked nor written again. Two values that differ would share a text only if their
 * hashes collided, a chance of about 1 in 2^53.
 */
export function textByHash(hash: number, write: () => string): string {
  const known = byHash.get(hash);
  if (known !== undefined) return known;
  const text = intern(write());
  byHash.set(hash, text);
  return text;
}
