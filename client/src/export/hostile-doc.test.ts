/**
 * Any peer can write anything into the document: exports read shapes through the board's
 * validation, so nonsense is skipped and never crashes the SVG or board-file export.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { decodeBoardFile, encodeBoardFile } from './board-file'
import { sampleBoard } from './fixtures'
import { parseXml } from './strict-xml'
import { exportSvg } from './svg'

const junk = fc.oneof(
  fc.anything(),
  fc.record({
    g: fc.oneof(
      fc.anything(),
      fc.record({
        type: fc.constantFrom(
          'pen',
          'highlighter',
          'line',
          'arrow',
          'rect',
          'ellipse',
          'text',
          'x',
        ),
        points: fc.oneof(fc.uint8Array({ maxLength: 24 }), fc.anything()),
        w: fc.oneof(fc.double(), fc.anything()),
        h: fc.double(),
        dx: fc.double(),
        dy: fc.double(),
        text: fc.oneof(fc.string(), fc.anything()),
      }),
    ),
    s: fc.oneof(
      fc.anything(),
      fc.record({ color: fc.string(), size: fc.double(), fill: fc.option(fc.string()) }),
    ),
    z: fc.oneof(fc.double(), fc.anything()),
    x: fc.double(),
    y: fc.double(),
  }),
)

const mapName = fc.constantFrom('shapes', 'style', 'position', 'order')

describe('exports of a board a peer filled with nonsense', () => {
  it('skip what does not parse and keep every valid shape (500 hostile boards)', async () => {
    const valid = sampleBoard().allShapes().length
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(mapName, fc.string({ minLength: 1, maxLength: 12 }), junk), {
          maxLength: 8,
        }),
        async (writes) => {
          const board = sampleBoard()
          const peer = new Y.Doc()
          Y.applyUpdate(peer, Y.encodeStateAsUpdate(board.doc))
          peer.transact(() => {
            for (const [map, id, value] of writes) {
              const target = peer.getMap(map)
              // The valid shapes' ids are 14 characters; nonsense gets its own keys.
              try {
                target.set(`z${id}`, value === undefined ? null : value)
              } catch {
                // Yjs itself refuses to encode some values (bigint, null-prototype objects).
              }
            }
          })
          Y.applyUpdate(board.doc, Y.encodeStateAsUpdate(peer), 'peer')
          const svg = parseXml(await exportSvg(board))
          expect(svg.name).toBe('svg')
          const file = decodeBoardFile(encodeBoardFile(board))
          const inFile = new Set(file.shapes.map((shape) => shape.id))
          for (const shape of board.allShapes()) expect(inFile.has(shape.id)).toBe(true)
          expect(board.allShapes().length).toBeGreaterThanOrEqual(valid)
        },
      ),
      { numRuns: 500, seed: 6 },
    )
  }, 60_000)
})
