import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { Bounds } from './geometry'
import { intersects, SpatialIndex } from './spatial-index'

/** Boxes of every kind: small, on cell edges (multiples of 256), points, and huge ones. */
const bounds: fc.Arbitrary<Bounds> = fc
  .tuple(
    fc.oneof(
      fc.double({ min: -5000, max: 5000, noNaN: true }),
      fc.integer({ min: -20, max: 20 }).map((cell) => cell * 256),
    ),
    fc.oneof(
      fc.double({ min: -5000, max: 5000, noNaN: true }),
      fc.integer({ min: -20, max: 20 }).map((cell) => cell * 256),
    ),
    fc.oneof(
      fc.constant(0),
      fc.double({ min: 0, max: 300, noNaN: true }),
      fc.double({ min: 300, max: 4000, noNaN: true }),
      fc.double({ min: 4000, max: 1e6, noNaN: true }),
    ),
    fc.oneof(
      fc.constant(0),
      fc.double({ min: 0, max: 300, noNaN: true }),
      fc.double({ min: 300, max: 4000, noNaN: true }),
      fc.double({ min: 4000, max: 1e6, noNaN: true }),
    ),
  )
  .map(([minX, minY, w, h]) => ({ minX, minY, maxX: minX + w, maxY: minY + h }))

const ids = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j')

type Op = { kind: 'set'; id: string; bounds: Bounds } | { kind: 'delete'; id: string }

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('set' as const), id: ids, bounds }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), id: ids }) },
)

function bruteForce(model: ReadonlyMap<string, Bounds>, area: Bounds): string[] {
  return [...model]
    .filter(([, b]) => intersects(b, area))
    .map(([id]) => id)
    .sort()
}

describe('SpatialIndex', () => {
  it('answers queries as a brute-force filter does, through sets, moves and deletes', () => {
    fc.assert(
      fc.property(
        fc.array(op, { maxLength: 40 }),
        fc.array(bounds, { minLength: 1, maxLength: 8 }),
        (ops, areas) => {
          const index = new SpatialIndex()
          const model = new Map<string, Bounds>()
          for (const step of ops) {
            if (step.kind === 'set') {
              index.set(step.id, step.bounds)
              model.set(step.id, step.bounds)
            } else {
              index.delete(step.id)
              model.delete(step.id)
            }
            // Query after every step, not only at the end, so stale cells show up at once.
            expect([...index.query(areas[0]!)].sort()).toEqual(bruteForce(model, areas[0]!))
          }
          expect(index.size).toBe(model.size)
          for (const area of areas) {
            expect([...index.query(area)].sort()).toEqual(bruteForce(model, area))
          }
          for (const [id, b] of model) expect(index.bounds(id)).toEqual(b)
        },
      ),
      { numRuns: 300 },
    )
  }, 60_000)

  it('finds a moved shape only at its new place', () => {
    const index = new SpatialIndex()
    index.set('s', { minX: 0, minY: 0, maxX: 10, maxY: 10 })
    index.set('s', { minX: -3000, minY: 5000, maxX: -2990, maxY: 5010 })
    expect(index.query({ minX: -5, minY: -5, maxX: 20, maxY: 20 }).size).toBe(0)
    expect([...index.query({ minX: -3000, minY: 5005, maxX: -2995, maxY: 5006 })]).toEqual(['s'])
    expect(index.size).toBe(1)
  })

  it('finds a huge shape from a small query anywhere inside it, and forgets it when deleted', () => {
    const index = new SpatialIndex()
    const huge = { minX: -1e6, minY: -1e6, maxX: 1e6, maxY: 1e6 }
    index.set('huge', huge)
    index.set('small', { minX: 0, minY: 0, maxX: 1, maxY: 1 })
    expect([...index.query({ minX: 5e5, minY: -5e5, maxX: 5e5 + 1, maxY: -5e5 + 1 })]).toEqual([
      'huge',
    ])
    expect([...index.query({ minX: 0, minY: 0, maxX: 0.5, maxY: 0.5 })].sort()).toEqual([
      'huge',
      'small',
    ])
    index.delete('huge')
    expect(index.query({ minX: 5e5, minY: -5e5, maxX: 5e5 + 1, maxY: -5e5 + 1 }).size).toBe(0)
    expect(index.bounds('huge')).toBeUndefined()
  })

  it('counts touching edges as intersecting, across cell borders', () => {
    const index = new SpatialIndex()
    index.set('left', { minX: 0, minY: 0, maxX: 256, maxY: 10 })
    index.set('right', { minX: 256, minY: 0, maxX: 300, maxY: 10 })
    expect([...index.query({ minX: 256, minY: 5, maxX: 256, maxY: 5 })].sort()).toEqual([
      'left',
      'right',
    ])
    expect([...index.query({ minX: 300.01, minY: 0, maxX: 400, maxY: 10 })]).toEqual([])
  })

  it('ignores deleting an unknown id, and clear empties it', () => {
    const index = new SpatialIndex()
    index.set('a', { minX: 0, minY: 0, maxX: 1, maxY: 1 })
    index.delete('nope')
    expect(index.size).toBe(1)
    index.clear()
    expect(index.size).toBe(0)
    expect(index.query({ minX: -1e7, minY: -1e7, maxX: 1e7, maxY: 1e7 }).size).toBe(0)
  })
})
