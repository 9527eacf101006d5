// The "did you mean" after a 404: the account's server ids closest to the one asked for.

/**
 * Up to `max` ids of `known` close to `id`, nearest first, ties in code-unit order. Close means
 * within max(2, ⌈length/3⌉) edits (insert, delete, substitute, swap two neighbours), or one id
 * containing the other. Case is ignored when measuring, as a mistyped id is often mis-cased, but
 * neither `id` itself nor an empty id is ever offered.
 */
export function similarIds(id: string, known: readonly string[], max = 3): string[] {
  const target = id.toLowerCase();
  const bound = Math.max(2, Math.ceil(target.length / 3));
  const found = new Map<string, number>();
  for (const candidate of known) {
    if (candidate === id || candidate === '' || found.has(candidate)) continue;
    const distance = closeness(target, candidate.toLowerCase(), bound);
    if (distance !== undefined) found.set(candidate, distance);
  }
  return (
    [...found]
      // Ids are keys of `found`, so no two are equal.
      .sort(([a, aDistance], [b, bDistance]) => aDistance - bDistance || (a < b ? -1 : 1))
      .slice(0, Math.max(0, max))
      .map(([candidate]) => candidate)
  );
}

/** How far apart `a` and `b` are, or undefined when they are not close. */
function closeness(a: string, b: string, bound: number): number | undefined {
  const lengthGap = Math.abs(a.length - b.length);
  // Containment is close at any gap; deleting the extra characters is then the shortest edit.
  // The empty id is in every id, so it makes nothing close.
  if (a !== '' && (a.includes(b) || b.includes(a))) return lengthGap;
  const distance = editDistance(a, b);
  return distance <= bound ? distance : undefined;
}

/**
 * Optimal-string-alignment distance: Damerau-Levenshtein without editing a swapped pair again.
 * Computed whole, as ids are at most 32 characters.
 */
function editDistance(a: string, b: string): number {
  let rowUp = Array.from({ length: b.length + 1 }, (_, j) => j);
  let twoRowsUp = rowUp;
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (rowUp[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      let distance = Math.min((rowUp[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, substitution);
      // A swap of two neighbours. In the first row or column one of the pair lies before the
      // start, where a string reads undefined, which equals no character.
      if (a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        distance = Math.min(distance, (twoRowsUp[j - 2] ?? 0) + 1);
      }
      row.push(distance);
    }
    twoRowsUp = rowUp;
    rowUp = row;
  }
  return rowUp[b.length] ?? 0;
}
