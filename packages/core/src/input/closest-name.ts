/**
 * Edit distance with adjacent transpositions (optimal string alignment, a
 * restricted Damerau–Levenshtein): `equl` → `equal` is 1, `indexng` → `indexing` 1,
 * `hardnede` → `hardened` 2. Stops early once every cell of a row exceeds `limit`.
 */
export function editDistance(a: string, b: string, limit: number = Number.POSITIVE_INFINITY): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let before: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let smallest = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, (before[j - 2] ?? 0) + 1);
      current[j] = value;
      if (value < smallest) smallest = value;
    }
    if (smallest > limit) return limit + 1;
    before = previous;
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/**
 * The candidate closest to `word`, when it is close: at most max(1, ⌊length/3⌋)
 * edits (case ignored); the first in `candidates` among equally close ones.
 */
export function closestName(word: string, candidates: Iterable<string>): string | undefined {
  const lower = word.toLowerCase();
  const limit = Math.max(1, Math.floor(word.length / 3));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const candidate of candidates) {
    if (candidate === word) continue;
    const distance = editDistance(lower, candidate.toLowerCase(), Math.min(limit, bestDistance));
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** `; did you mean "equal"?` when a candidate is close, else nothing: appended to an "unknown …" message. */
export function didYouMean(word: unknown, candidates: Iterable<string>): string {
  if (typeof word !== 'string') return '';
  const closest = closestName(word, candidates);
  return closest === undefined ? '' : `; did you mean ${JSON.stringify(closest)}?`;
}
