/**
 * Frequency classes for the class-factored softmax (Mikolov et al. 2011):
 * vocabulary ids are sorted by descending count, so a class is a contiguous id
 * range; classes are cut so that each holds about 1/C of the unigram mass.
 * Pure logic.
 */

/** default number of classes: about √V */
export function defaultClassCount(V: number): number {
  return Math.max(1, Math.round(Math.sqrt(V)));
}

/**
 * Class boundaries [0 = b0 < b1 < … < bC = V] from unigram counts (id order).
 * Ids without counts get count 0; when every count is 0 a Zipf law 1/(rank+1)
 * is assumed (ids are in descending-frequency order).
 */
export function classBoundsFromCounts(counts: ArrayLike<number> | undefined, V: number, C: number): Int32Array {
  C = Math.max(1, Math.min(C, V));
  const w = new Float64Array(V);
  let total = 0;
  for (let i = 0; i < V; i++) {
    const c = counts && i < counts.length ? Math.max(0, Number(counts[i]) || 0) : 0;
    w[i] = c;
    total += c;
  }
  if (total <= 0) {
    for (let i = 0; i < V; i++) total += w[i] = 1 / (i + 1);
  }
  const bounds: number[] = [0];
  let cum = 0;
  for (let i = 0; i < V; i++) {
    cum += w[i];
    const k = bounds.length; // the class being filled is k-1; close it when its mass share is reached
    const remainingIds = V - (i + 1);
    const remainingClasses = C - k;
    if (remainingClasses > 0 && remainingIds >= remainingClasses && (cum >= (total * k) / C || remainingIds === remainingClasses)) {
      bounds.push(i + 1);
    }
  }
  bounds.push(V);
  return Int32Array.from(bounds);
}

/** check boundaries and return the class of every id */
export function classOfIds(bounds: ArrayLike<number>, V: number): Int32Array {
  const C = bounds.length - 1;
  if (C < 1 || bounds[0] !== 0 || bounds[C] !== V) throw new Error(`class boundaries must run from 0 to ${V}`);
  const cls = new Int32Array(V);
  for (let c = 0; c < C; c++) {
    if (!(bounds[c + 1] > bounds[c])) throw new Error(`class boundaries must increase (class ${c})`);
    for (let i = bounds[c]; i < bounds[c + 1]; i++) cls[i] = c;
  }
  return cls;
}
