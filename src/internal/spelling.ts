/**
 * The optimal string alignment distance of `a` and `b` (Damerau–Levenshtein without edits of a
 * swapped pair): how many insertions, deletions, substitutions and swaps of two neighbouring
 * characters turn one into the other. Case-sensitive; compares UTF-16 code units.
 */
export function editDistance(a: string, b: string): number {
  // Three rows of the dynamic-programming table: two back (for swaps), one back, and this one.
  let twoBack: number[] = [];
  let oneBack = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = a[i - 1] === b[j - 1] ? 0 : 1;
      let distance = Math.min(oneBack[j]! + 1, row[j - 1]! + 1, oneBack[j - 1]! + substitution);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        distance = Math.min(distance, twoBack[j - 2]! + 1);
      }
      row.push(distance);
    }
    twoBack = oneBack;
    oneBack = row;
  }
  return oneBack[b.length]!;
}

/**
 * The candidate nearest to `name` by {@link editDistance}, ignoring case, when it is close enough
 * to be a misspelling of it: at most a third of the candidate's length away (one edit for names
 * of up to five characters). On a tie, the first candidate wins. `undefined` when none is close.
 */
export function nearestName(name: string, candidates: Iterable<string>): string | undefined {
  const lowerName = name.toLowerCase();
  let nearest: string | undefined;
  let nearestDistance = Infinity;
  for (const candidate of candidates) {
    const lowerCandidate = candidate.toLowerCase();
    const limit = Math.min(nearestDistance - 1, Math.max(1, Math.floor(lowerCandidate.length / 3)));
    // The distance is at least the difference in length: skip the table when that is already too far.
    if (Math.abs(lowerCandidate.length - lowerName.length) > limit) continue;
    const distance = editDistance(lowerName, lowerCandidate);
    if (distance <= limit) {
      nearest = candidate;
      nearestDistance = distance;
    }
  }
  return nearest;
}
