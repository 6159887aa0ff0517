import fc from 'fast-check'
import * as decoding from 'lib0/decoding'
import { describe, expect, it } from 'vitest'
import {
  DEFAULT_PRECISION,
  PointEncoder,
  concatBytes,
  decodePoints,
  encodePoints,
  hasPressure,
  type FlatPoints,
} from './points'

const coordinate = fc.double({ min: -1e5, max: 1e5, noNaN: true })
const pressureValue = fc.double({ min: 0, max: 1, noNaN: true })
const pointList = fc
  .array(fc.tuple(coordinate, coordinate, pressureValue), { maxLength: 120 })
  .map((points) => points.flat())
const precision = fc.integer({ min: 0, max: 8 })

/** Every decoded point lies within half a quantisation step of the original. */
function expectClose(
  decoded: FlatPoints,
  original: FlatPoints,
  options: { precision: number; pressure: boolean },
): void {
  expect(decoded).toHaveLength(original.length)
  const coordinateError = 0.5 / 2 ** options.precision + 1e-9
  for (let i = 0; i < original.length; i += 3) {
    expect(Math.abs(decoded[i]! - original[i]!)).toBeLessThanOrEqual(coordinateError)
    expect(Math.abs(decoded[i + 1]! - original[i + 1]!)).toBeLessThanOrEqual(coordinateError)
    if (options.pressure) {
      expect(Math.abs(decoded[i + 2]! - original[i + 2]!)).toBeLessThanOrEqual(0.5 / 255 + 1e-9)
    } else {
      expect(decoded[i + 2]).toBe(0.5)
    }
  }
}

/** Splits a flat point list into consecutive runs of whole points. */
function splitPoints(points: FlatPoints, cuts: readonly number[]): FlatPoints[] {
  const count = points.length / 3
  const positions = [...new Set(cuts.map((cut) => cut % (count + 1)))].sort((a, b) => a - b)
  const parts: FlatPoints[] = []
  let start = 0
  for (const position of [...positions, count]) {
    parts.push(points.slice(start * 3, position * 3))
    start = position
  }
  return parts
}

describe('PointEncoder / decodePoints', () => {
  it('round-trips within the quantisation error, with and without pressure', () => {
    fc.assert(
      fc.property(pointList, precision, fc.boolean(), (points, p, pressure) => {
        const options = { precision: p, pressure }
        const bytes = encodePoints(points, options)
        expect(hasPressure(bytes)).toBe(pressure)
        expectClose(decodePoints(bytes), points, options)
      }),
      { numRuns: 1000 },
    )
  }, 30_000)

  it('uses DEFAULT_PRECISION when none is given and clamps out-of-range precisions', () => {
    const points = [10.3, -4.6, 0.5, 10.9, -4.1, 0.5]
    expectClose(decodePoints(encodePoints(points, { pressure: false })), points, {
      precision: DEFAULT_PRECISION,
      pressure: false,
    })
    expectClose(decodePoints(encodePoints(points, { pressure: false, precision: 40 })), points, {
      precision: 8,
      pressure: false,
    })
    const coarse = decodePoints(encodePoints(points, { pressure: false, precision: -3 }))
    expect(coarse).toEqual([10, -5, 0.5, 11, -4, 0.5])
  })

  it('clamps pressure to 0..1', () => {
    const decoded = decodePoints(encodePoints([0, 0, -2, 1, 1, 7], { pressure: true }))
    expect(decoded).toEqual([0, 0, 0, 1, 1, 1])
  })

  it('ignores a trailing incomplete point', () => {
    const decoded = decodePoints(encodePoints([1, 2, 0.5, 3, 4], { pressure: false }))
    expect(decoded).toEqual([1, 2, 0.5])
  })

  it('decodes nothing from nothing, and a header alone as no points', () => {
    expect(decodePoints(new Uint8Array(0))).toEqual([])
    expect(decodePoints(encodePoints([], { pressure: true }))).toEqual([])
  })

  it('streams: consecutive encode() chunks concatenate into the whole stroke', () => {
    fc.assert(
      fc.property(
        pointList,
        fc.array(fc.nat(), { maxLength: 8 }),
        precision,
        fc.boolean(),
        (points, cuts, p, pressure) => {
          const options = { precision: p, pressure }
          const encoder = new PointEncoder(options)
          const chunks = splitPoints(points, cuts).map((part) => encoder.encode(part))
          const whole = concatBytes(chunks)
          // Byte for byte what a single call produces.
          expect(whole).toEqual(encodePoints(points, options))
          expectClose(decodePoints(whole), points, options)
          // Every prefix of the chunks is a valid stroke too (the live view while drawing).
          let decodedSoFar = 0
          for (let n = 1; n <= chunks.length; n++) {
            const prefix = decodePoints(concatBytes(chunks.slice(0, n)))
            expect(prefix.length).toBeGreaterThanOrEqual(decodedSoFar)
            decodedSoFar = prefix.length
          }
          expect(decodedSoFar).toBe(points.length)
        },
      ),
      { numRuns: 1000 },
    )
  }, 30_000)

  it('decodes arbitrary bytes to finite points or throws, and always terminates', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), (bytes) => {
        let decoded: FlatPoints
        try {
          decoded = decodePoints(bytes)
        } catch {
          return
        }
        expect(decoded.length % 3).toBe(0)
        expect(decoded.every(Number.isFinite)).toBe(true)
        expect(decoded.length / 3).toBeLessThanOrEqual(bytes.length)
      }),
      { numRuns: 2000 },
    )
  }, 30_000)

  it('throws on a truncated point instead of inventing (or looping over) missing deltas', () => {
    const points = [10, 20, 0.5, 11, 21, 0.7, 400, -300, 0.1]
    const whole = encodePoints(points, { pressure: true })
    const boundaries = [0, 1, 2, 3].map(
      (count) => encodePoints(points.slice(0, count * 3), { pressure: true }).length,
    )
    const valid = new Set<number>()
    for (let length = 1; length < whole.length; length++) {
      const prefix = whole.subarray(0, length)
      let decoded: FlatPoints
      try {
        decoded = decodePoints(prefix)
      } catch (error) {
        expect(String(error)).toMatch(/truncated point|Unexpected end/)
        continue
      }
      // Only prefixes ending exactly on a point boundary may decode.
      valid.add(length)
      expect(decoded.length % 3).toBe(0)
    }
    expect([...valid, whole.length].sort((a, b) => a - b)).toEqual(boundaries)
    expect(boundaries).toEqual([1, 5, 8, 14])
    expect(() => decodePoints(new Uint8Array([0x10, 4]))).toThrow('truncated point')
    expect(() => decodePoints(new Uint8Array([0x11, 4, 4]))).toThrow('truncated point')
  })

  it('reads exactly what lib0 reads, on any bytes', () => {
    // The straightforward decoder over lib0's readVarInt, which decodePoints replaced for speed.
    const reference = (bytes: Uint8Array): FlatPoints => {
      if (bytes.length === 0) return []
      const decoder = decoding.createDecoder(bytes)
      const header = decoding.readUint8(decoder)
      if (header >> 4 > 8 || (header & 0b1110) !== 0) throw new Error('bad points header')
      const pressure = (header & 1) === 1
      const scale = 2 ** (header >> 4)
      const points: FlatPoints = []
      let [x, y, p] = [0, 0, 0]
      while (decoder.pos < bytes.length) {
        x += decoding.readVarInt(decoder)
        y += decoding.readVarInt(decoder)
        if (pressure) p += decoding.readVarInt(decoder)
        if (decoder.pos > bytes.length) throw new Error('truncated point')
        points.push(x / scale, y / scale, pressure ? p / 255 : 0.5)
      }
      return points
    }
    const outcome = (decode: (bytes: Uint8Array) => FlatPoints, bytes: Uint8Array) => {
      try {
        return decode(bytes)
      } catch {
        return 'throws'
      }
    }
    const header = fc.constantFrom(0x00, 0x01, 0x10, 0x11, 0x81, 0x02)
    // Continuation bytes often, so long and overlong varints come up.
    const body = fc
      .uint8Array({ maxLength: 40 })
      .map((b) => b.map((v, i) => (i % 3 ? v | 0x80 : v)))
    fc.assert(
      fc.property(header, fc.oneof(fc.uint8Array({ maxLength: 40 }), body), (first, rest) => {
        const bytes = new Uint8Array([first, ...rest])
        expect(outcome(decodePoints, bytes)).toEqual(outcome(reference, bytes))
      }),
      { numRuns: 3000 },
    )
  })

  it('refuses coordinates beyond the limit it is given', () => {
    const bytes = encodePoints([10, -20, 0.5, 30, 5, 0.5], { pressure: false })
    expect(decodePoints(bytes, 30)).toHaveLength(6)
    expect(() => decodePoints(bytes, 29)).toThrow('points out of range')
    expect(() => decodePoints(encodePoints([0, -21, 0.5], { pressure: false }), 20)).toThrow(
      'points out of range',
    )
  })

  it('rejects headers with unknown bits or precisions', () => {
    expect(() => decodePoints(new Uint8Array([0x12, 0, 0]))).toThrow(/header/)
    expect(() => decodePoints(new Uint8Array([0x90, 0, 0]))).toThrow(/header/)
    expect(decodePoints(new Uint8Array([0x80, 1, 2]))).toEqual([1 / 256, 2 / 256, 0.5])
  })

  it('stores a 50-point stroke with small moves in at most 3 bytes per point', () => {
    fc.assert(
      fc.property(
        fc.tuple(fc.integer({ min: 0, max: 2000 }), fc.integer({ min: 0, max: 2000 })),
        fc.array(fc.tuple(fc.double({ min: -15, max: 15 }), fc.double({ min: -15, max: 15 })), {
          minLength: 49,
          maxLength: 49,
        }),
        ([x0, y0], moves) => {
          const points: FlatPoints = [x0, y0, 0.5]
          let x = x0
          let y = y0
          for (const [dx, dy] of moves) {
            x += dx
            y += dy
            points.push(x, y, 0.5)
          }
          const bytes = encodePoints(points, { pressure: false })
          expect(bytes.length).toBeLessThanOrEqual(3 * 50)
          expect(decodePoints(bytes)).toHaveLength(150)
        },
      ),
      { numRuns: 500 },
    )
  })

  it('stores 50 unit moves in about 2 bytes per point', () => {
    const points = Array.from({ length: 50 }, (_, i) => [100 + i, 100 - i, 0.5]).flat()
    const bytes = encodePoints(points, { pressure: false })
    expect(bytes.length).toBeLessThanOrEqual(1 + 4 + 49 * 2)
  })
})

describe('concatBytes', () => {
  it('joins parts in order', () => {
    const joined = concatBytes([new Uint8Array([1, 2]), new Uint8Array(0), new Uint8Array([3])])
    expect([...joined]).toEqual([1, 2, 3])
    expect(concatBytes([])).toHaveLength(0)
  })
})
