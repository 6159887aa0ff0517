/** Small statistics helpers; every summary says how many samples it rests on. */

/**
 * Linear-interpolated percentile of sorted values (p in 0..100).
 * @param {number[]} sorted
 * @param {number} p
 */
export function percentile(sorted, p) {
  if (sorted.length === 0) return null
  const rank = (p / 100) * (sorted.length - 1)
  const low = Math.floor(rank)
  const high = Math.ceil(rank)
  const a = /** @type {number} */ (sorted[low])
  const b = /** @type {number} */ (sorted[high])
  return low === high || a === b ? a : a + (b - a) * (rank - low)
}

/** @param {number | null} value @param {number} [digits] */
export function round(value, digits = 1) {
  if (value === null || !Number.isFinite(value)) return value
  const scale = 10 ** digits
  return Math.round(value * scale) / scale
}

/**
 * n, min, p50, p95, p99, max, mean. `Infinity` marks a sample that never completed: it counts
 * in the percentiles (so a median can be "never", reported as null) and in `failed`.
 * @param {(number | null | undefined)[]} values
 * @param {number} [digits]
 */
export function summarize(values, digits = 1) {
  const kept = /** @type {number[]} */ (
    values.filter((v) => typeof v === 'number' && !Number.isNaN(v))
  )
  const sorted = [...kept].sort((a, b) => a - b)
  const finite = sorted.filter(Number.isFinite)
  const failed = sorted.length - finite.length
  if (sorted.length === 0) return { n: 0 }
  const at = (/** @type {number} */ p) => {
    const value = percentile(sorted, p)
    return value === null || !Number.isFinite(value) ? null : round(value, digits)
  }
  const mean = finite.length ? finite.reduce((sum, v) => sum + v, 0) / finite.length : null
  return {
    n: sorted.length,
    ...(failed > 0 ? { failed } : {}),
    min: finite.length ? round(/** @type {number} */ (finite[0]), digits) : null,
    p50: at(50),
    p95: at(95),
    p99: at(99),
    max: failed > 0 ? null : round(/** @type {number} */ (finite[finite.length - 1]), digits),
    mean: failed > 0 ? null : round(/** @type {number} */ (mean), digits),
  }
}

/** @param {(number | null | undefined)[]} values */
export function median(values) {
  const sorted = /** @type {number[]} */ (
    values.filter((v) => typeof v === 'number' && Number.isFinite(v))
  ).sort((a, b) => a - b)
  return percentile(sorted, 50)
}
