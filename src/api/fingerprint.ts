// A JSON value reduced to what comparing it needs. A fleet's Before and After readings hold every
// tool of every server at once (10,000 servers of 30 tools are 600,000 of them): kept whole, their
// descriptions and schemas are most of the action's memory, and all that is ever asked of them is
// whether they changed.

/** JSON text of `value` with every object's keys in order, so equal values give equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`).join(',')}}`;
  }
  // JSON.parse gives nothing else: strings, finite numbers, booleans, null.
  return JSON.stringify(value) ?? 'null';
}

/**
 * A 53-bit hash (cyrb53) of `value` as canonical JSON would write it, without writing it: two
 * values that differ give the same hash with a chance of about 1 in 2^53, which could only hide a
 * "changed". Strings go in with their length, so no string can pass for structure.
 */
export function hashJson(value: unknown): number {
  const hash = new Hash53();
  hash.value(value);
  return hash.digest();
}

class Hash53 {
  private h1 = 0xdeadbeef;
  private h2 = 0x41c6ce57;

  value(value: unknown): void {
    if (Array.isArray(value)) {
      this.text('[');
      for (const item of value) this.value(item);
      this.text(']');
    } else if (typeof value === 'object' && value !== null) {
      const record = value as Record<string, unknown>;
      this.text('{');
      for (const key of Object.keys(record).sort()) {
        this.string(key);
        this.value(record[key]);
      }
      this.text('}');
    } else if (typeof value === 'string') {
      this.string(value);
    } else {
      // Ended, so that numbers side by side (`[1,2]`, `[12]`) stay apart.
      this.text(`${String(value)};`);
    }
  }

  private string(text: string): void {
    this.text(`"${text.length}:`);
    this.text(text);
  }

  private text(text: string): void {
    let { h1, h2 } = this;
    for (let i = 0; i < text.length; i += 1) {
      const code = text.charCodeAt(i);
      h1 = Math.imul(h1 ^ code, 2654435761);
      h2 = Math.imul(h2 ^ code, 1597334677);
    }
    this.h1 = h1;
    this.h2 = h2;
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
 * `value` as canonical JSON, written once for all the equal values of a run: the text is built
 * only for the first value of each hash, so two values that differ would share a text only if
 * their hashes collided, a chance of about 1 in 2^53.
 */
export function internedJson(value: unknown): string {
  const key = hashJson(value);
  const known = byHash.get(key);
  if (known !== undefined) return known;
  const text = canonicalJson(value);
  byHash.set(key, text);
  return text;
}
