/**
 * skip: drops the first `count` records and passes the rest through; used to
 * restore the position in the data when a run resumes mid-epoch (the batches
 * are rebuilt deterministically from the id cache, then skipped).
 *
 * Input: any record. Output: the same records, minus the first `count`.
 */
export function skipRecords<T>(count: number): (source: AsyncIterable<T>) => AsyncGenerator<T> {
  return async function* skip(source) {
    let i = 0;
    for await (const r of source) {
      if (i++ < count) continue;
      yield r;
    }
  };
}
