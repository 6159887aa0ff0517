import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { encodePoints } from './points'
import { decodeRecord, encodeRecord } from './record'
import { parseShape, type StoredFields } from './shapes'

const ink = { color: '#112233', size: 2.5, fill: null }
const points = encodePoints([1, 2, 0.5, 3, 4, 0.5, 9, 9, 0.5], { pressure: false })

const examples: Record<string, StoredFields> = {
  pen: { g: { type: 'pen', points }, s: ink, z: 3 },
  highlighter: { g: { type: 'highlighter', points }, s: ink, z: 4, x: 5, y: -6 },
  line: { g: { type: 'line', dx: 10, dy: -2.5 }, s: ink, z: 1, x: 1, y: 2 },
  arrow: { g: { type: 'arrow', dx: 0, dy: 7 }, s: ink, z: -2 },
  rect: { g: { type: 'rect', w: 30, h: 20 }, s: { ...ink, fill: '#ff000080' }, z: 9 },
  ellipse: { g: { type: 'ellipse', w: 3, h: 2 }, s: ink, z: 0.5 },
  text: { g: { type: 'text', text: 'héllo\nworld' }, s: ink, z: 2 },
}

describe('stored records', () => {
  it.each(Object.entries(examples))('round-trips a %s to the same shape', (_, fields) => {
    const record = encodeRecord(fields)
    expect(Array.isArray(record)).toBe(true)
    const shape = parseShape('id1', decodeRecord(record)!)
    expect(shape).not.toBeNull()
    expect(shape).toEqual(parseShape('id1', fields))
  })

  it('stores a stroke as a flat array with one string', () => {
    expect(encodeRecord(examples.pen!)).toEqual([0, '#112233', 2.5, null, 3, 0, 0, points])
  })

  it('still reads the object form of earlier boards', () => {
    expect(decodeRecord(examples.rect)).toBe(examples.rect)
  })

  it('turns anything else into null or fields that parseShape refuses', () => {
    for (const junk of ['x', 42, null, undefined, [], [99], [-1], ['pen'], new Y.Map()]) {
      const fields = decodeRecord(junk)
      expect(fields === null || parseShape('id1', fields) === null).toBe(true)
    }
    expect(encodeRecord({ g: { type: 'blob' }, s: ink, z: 1 })).toBeNull()
    expect(encodeRecord({ g: null, s: ink, z: 1 })).toBeNull()
  })

  it('saves a stroke’s update the 30-odd bytes of key strings of the object form', () => {
    const size = (value: unknown) => {
      const doc = new Y.Doc()
      doc.getMap('shapes').set('abcdefghij', value)
      return Y.encodeStateAsUpdate(doc).length
    }
    const long = encodePoints(
      Array.from({ length: 50 }, (_, k) => [k * 2, Math.sin(k / 4) * 5, 0.5]).flat(),
      { pressure: false },
    )
    const fields = { g: { type: 'pen', points: long }, s: ink, z: 1234 }
    expect(size(encodeRecord(fields))).toBeLessThanOrEqual(size(fields) - 30)
  })
})
