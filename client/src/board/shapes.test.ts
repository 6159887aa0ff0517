import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { encodePoints } from './points'
import {
  MAX_COORDINATE,
  MAX_POINTS_BYTES,
  MAX_SIZE,
  MAX_TEXT_LENGTH,
  MIN_SIZE,
  SHAPE_TYPES,
  compareShapes,
  parseShape,
  parseStyle,
  type Shape,
  type StoredFields,
} from './shapes'

const points = encodePoints([1, 2, 0.5, 3, 4, 0.5], { pressure: false })

function pen(overrides: Partial<StoredFields> = {}): StoredFields {
  return {
    g: { type: 'pen', points },
    s: { color: '#112233', size: 4, fill: null },
    z: 1,
    ...overrides,
  }
}

const style = (patch: Record<string, unknown>) => ({ color: '#112233', size: 4, ...patch })

describe('parseShape', () => {
  it('reads a valid pen stroke with defaults for position and fill', () => {
    expect(parseShape('abc_-9', pen({ s: { color: '#aabbcc', size: 2 } }))).toEqual({
      id: 'abc_-9',
      type: 'pen',
      points: [1, 2, 0.5, 3, 4, 0.5],
      pressure: false,
      color: '#aabbcc',
      size: 2,
      fill: null,
      z: 1,
      x: 0,
      y: 0,
    })
  })

  it('reads every geometry type', () => {
    const geometries = [
      { type: 'highlighter', points: encodePoints([5, 5, 0.2], { pressure: true }) },
      { type: 'line', dx: 10, dy: -4 },
      { type: 'arrow', dx: 0, dy: 3 },
      { type: 'rect', w: 10, h: 0 },
      { type: 'ellipse', w: 3, h: 4 },
      { type: 'text', text: 'hello' },
    ]
    const parsed = geometries.map((g) => parseShape('id', pen({ g, x: 5, y: -7 })))
    expect(parsed.map((shape) => shape?.type)).toEqual([
      'highlighter',
      'line',
      'arrow',
      'rect',
      'ellipse',
      'text',
    ])
    expect(parsed.every((shape) => shape?.x === 5 && shape.y === -7)).toBe(true)
    expect(parsed[0]).toMatchObject({ pressure: true })
    expect(new Set(SHAPE_TYPES)).toEqual(new Set(['pen', ...parsed.map((shape) => shape?.type)]))
  })

  it('rejects bad ids', () => {
    for (const id of ['', 'a b', 'a/b', 'x'.repeat(65), 'é', 'a.b', 'id\n']) {
      expect(parseShape(id, pen())).toBeNull()
    }
    expect(parseShape('x'.repeat(64), pen())).not.toBeNull()
  })

  it('rejects bad colours', () => {
    const colors: unknown[] = ['red', '#fff', '#12345g', '#1234567', '112233', 0x112233, null, '']
    for (const color of colors) {
      expect(parseShape('id', pen({ s: style({ color }) }))).toBeNull()
      expect(
        parseShape('id', pen({ s: style({ fill: color === null ? 'none' : color }) })),
      ).toBeNull()
    }
    expect(
      parseShape('id', pen({ s: style({ color: '#AABBCC80', fill: '#00000000' }) })),
    ).toMatchObject({ color: '#AABBCC80', fill: '#00000000' })
  })

  it('rejects sizes out of range or not numbers', () => {
    const sizes: unknown[] = [MIN_SIZE - 0.01, MAX_SIZE + 1, 0, -1, NaN, Infinity, '2', null]
    for (const size of sizes) expect(parseShape('id', pen({ s: style({ size }) }))).toBeNull()
    expect(parseShape('id', pen({ s: style({ size: MIN_SIZE }) }))).not.toBeNull()
    expect(parseShape('id', pen({ s: style({ size: MAX_SIZE }) }))).not.toBeNull()
  })

  it('rejects points that are not a valid Uint8Array', () => {
    const bad: unknown[] = [
      [16, 2, 4],
      new Uint8Array([16, 2, 4]).buffer,
      'AAEC',
      { 0: 16, 1: 2, 2: 4, length: 3 },
      new Uint16Array([16, 2, 4]),
      new Uint8Array(0),
      new Uint8Array([0xff, 1, 1]),
      new Uint8Array([0x10, 4]),
      new Uint8Array(MAX_POINTS_BYTES + 1),
      null,
      undefined,
    ]
    for (const value of bad) {
      expect(parseShape('id', pen({ g: { type: 'pen', points: value } }))).toBeNull()
    }
  })

  it('rejects points beyond MAX_COORDINATE', () => {
    const far = encodePoints([MAX_COORDINATE * 2, 0, 0.5], { pressure: false, precision: 0 })
    expect(parseShape('id', pen({ g: { type: 'pen', points: far } }))).toBeNull()
  })

  it('rejects non-finite or non-number z', () => {
    for (const z of [NaN, Infinity, -Infinity, '1', null, undefined, {}]) {
      expect(parseShape('id', pen({ z }))).toBeNull()
    }
    expect(parseShape('id', pen({ z: -3.5 }))).toMatchObject({ z: -3.5 })
  })

  it('rejects bad positions and geometry fields', () => {
    for (const x of [NaN, Infinity, '3', null, MAX_COORDINATE * 2]) {
      expect(parseShape('id', pen({ x }))).toBeNull()
      expect(parseShape('id', pen({ y: x }))).toBeNull()
    }
    const bad: unknown[] = [
      { type: 'rect', w: -1, h: 2 },
      { type: 'ellipse', w: 1, h: NaN },
      { type: 'line', dx: '1', dy: 2 },
      { type: 'arrow', dx: 1 },
      { type: 'text', text: 'x'.repeat(MAX_TEXT_LENGTH + 1) },
      { type: 'text', text: 5 },
      { type: 'circle', r: 5 },
      { points },
    ]
    for (const g of bad) expect(parseShape('id', pen({ g }))).toBeNull()
  })

  it('rejects garbage', () => {
    const garbage: unknown[] = [null, undefined, 42, 'pen', [], true, { type: 'pen' }]
    for (const value of garbage) {
      expect(parseShape('id', pen({ g: value }))).toBeNull()
      expect(parseShape('id', pen({ s: value }))).toBeNull()
      expect(parseShape('id', { g: value, s: value, z: value })).toBeNull()
    }
  })

  it('never throws on arbitrary fields, and whatever it accepts is well-formed', () => {
    const fieldValue = fc.oneof(
      fc.anything(),
      fc.constant(points),
      fc.uint8Array({ maxLength: 40 }),
      fc.record({
        type: fc.constantFrom(...SHAPE_TYPES),
        points: fc.uint8Array({ maxLength: 40 }),
        dx: fc.double(),
        dy: fc.double(),
        w: fc.double(),
        h: fc.double(),
        text: fc.string(),
      }),
      fc.record({
        color: fc.constantFrom('#000000', '#12345', 'red'),
        size: fc.double(),
        fill: fc.constantFrom(null, undefined, '#ffffff', 'blue'),
      }),
    )
    fc.assert(
      fc.property(
        fc.string({ maxLength: 70 }),
        fieldValue,
        fieldValue,
        fc.oneof(fc.double(), fc.anything()),
        fc.oneof(fc.constant(undefined), fc.double(), fc.anything()),
        (id, g, s, z, x) => {
          const shape = parseShape(id, { g, s, z, x })
          if (!shape) return
          expect(Number.isFinite(shape.z)).toBe(true)
          expect(Math.abs(shape.x)).toBeLessThanOrEqual(MAX_COORDINATE)
          expect(parseStyle(shape)).toEqual({
            color: shape.color,
            size: shape.size,
            fill: shape.fill,
          })
          expect(SHAPE_TYPES).toContain(shape.type)
        },
      ),
      { numRuns: 2000 },
    )
  }, 30_000)
})

describe('compareShapes', () => {
  const shape = (id: string, z: number) => parseShape(id, pen({ z })) as Shape

  it('orders by z, then by id', () => {
    const shapes = [shape('b', 2), shape('c', 1), shape('a', 2), shape('a0', 1), shape('z', -1)]
    expect(shapes.sort(compareShapes).map((s) => `${s.z}:${s.id}`)).toEqual([
      '-1:z',
      '1:a0',
      '1:c',
      '2:a',
      '2:b',
    ])
  })
})
