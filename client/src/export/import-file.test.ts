import * as Y from 'yjs'
import { describe, expect, it } from 'vitest'
import { Board } from '../board/board'
import { encodeBoardFile } from './board-file'
import { ONE_PIXEL_PNG, INK, sampleBoard, snapshot } from './fixtures'
import { ImportError } from './import-error'
import { importFile, NOT_FROM_PEERBOARD_PNG, UNSUPPORTED_FILE } from './import-file'
import { PEERBOARD_KEYWORD, writeTextChunk } from './png-chunks'

const utf8 = (text: string) => new TextEncoder().encode(text)

function boardWithOneShape(): Board {
  const board = new Board(new Y.Doc())
  board.create({ type: 'rect', w: 10, h: 10 }, INK, { x: 500, y: 500 })
  return board
}

async function refusal(bytes: Uint8Array, board: Board): Promise<string> {
  const before = Y.encodeStateAsUpdate(board.doc)
  const undoSteps = board.undoManager.undoStack.length
  const error = await importFile(bytes, board).then(
    () => null,
    (thrown: unknown) => thrown,
  )
  expect(error).toBeInstanceOf(ImportError)
  // Nothing changed: not one byte of the document, not one undo step.
  expect(Y.encodeStateAsUpdate(board.doc)).toEqual(before)
  expect(board.undoManager.undoStack.length).toBe(undoSteps)
  return (error as ImportError).message
}

describe('importFile', () => {
  it('adds the shapes of a board file next to what is there', async () => {
    const source = sampleBoard()
    const target = boardWithOneShape()
    const [existing] = snapshot(target)
    const result = await importFile(utf8(encodeBoardFile(source.doc)), target)
    expect(result).toEqual({ shapes: 7 })
    expect(target.size).toBe(8)
    expect(snapshot(target)).toEqual(expect.arrayContaining([...snapshot(source), existing]))
  })

  it('is idempotent: the same file twice gives the same board', async () => {
    const file = utf8(encodeBoardFile(sampleBoard().doc))
    const target = boardWithOneShape()
    await importFile(file, target)
    const once = snapshot(target)
    await expect(importFile(file, target)).resolves.toEqual({ shapes: 7 })
    expect(snapshot(target)).toEqual(once)
  })

  it('replaces a shape with the same id by the imported one', async () => {
    const source = sampleBoard()
    const file = utf8(encodeBoardFile(source.doc))
    const target = new Board(new Y.Doc())
    await importFile(file, target)
    const moved = target.allShapes()[0]!
    target.move([moved.id], 40, 40)
    await importFile(file, target)
    expect(target.shape(moved.id)).toEqual(source.shape(moved.id))
  })

  it('is one undoable step, and undo leaves what was there', async () => {
    const target = boardWithOneShape()
    const before = snapshot(target)
    await importFile(utf8(encodeBoardFile(sampleBoard().doc)), target)
    target.undo()
    expect(snapshot(target)).toEqual(before)
    target.redo()
    expect(target.size).toBe(8)
  })

  it('reaches every peer through the normal document sync', async () => {
    const importer = new Board(new Y.Doc())
    const peer = new Board(new Y.Doc())
    importer.doc.on('update', (update: Uint8Array) => Y.applyUpdate(peer.doc, update, 'remote'))
    const source = sampleBoard()
    await importFile(utf8(encodeBoardFile(source.doc)), importer)
    expect(snapshot(peer)).toEqual(snapshot(source))
    // The peer's own undo never takes back someone else's import.
    peer.undo()
    expect(peer.size).toBe(7)
  })

  it('imports the board inside a Peerboard PNG', async () => {
    const source = sampleBoard()
    const png = writeTextChunk(ONE_PIXEL_PNG, PEERBOARD_KEYWORD, encodeBoardFile(source.doc))
    const target = new Board(new Y.Doc())
    await expect(importFile(png, target)).resolves.toEqual({ shapes: 7 })
    expect(snapshot(target)).toEqual(snapshot(source))
  })

  it('imports an empty board as nothing', async () => {
    const target = boardWithOneShape()
    await expect(importFile(utf8(encodeBoardFile(new Y.Doc())), target)).resolves.toEqual({
      shapes: 0,
    })
    expect(target.undoManager.undoStack).toHaveLength(1)
  })

  it('refuses a PNG that holds no board', async () => {
    expect(await refusal(ONE_PIXEL_PNG, boardWithOneShape())).toBe(NOT_FROM_PEERBOARD_PNG)
  })

  it('refuses a damaged PNG', async () => {
    const png = writeTextChunk(ONE_PIXEL_PNG, PEERBOARD_KEYWORD, encodeBoardFile(sampleBoard().doc))
    png[png.length - 200] = png[png.length - 200]! ^ 0x20
    expect(await refusal(png, boardWithOneShape())).toBe(
      'This PNG is damaged: chunk tEXt has a wrong checksum.',
    )
  })

  it('refuses a PNG whose board is damaged', async () => {
    const png = writeTextChunk(
      ONE_PIXEL_PNG,
      PEERBOARD_KEYWORD,
      '{"format":"peerboard","version":1}',
    )
    expect(await refusal(png, boardWithOneShape())).toMatch(/^The board file is damaged: /)
  })

  it('refuses a board file whose state is corrupt, and changes nothing', async () => {
    const file = JSON.parse(encodeBoardFile(sampleBoard().doc)) as { state: string }
    file.state = `${file.state.slice(0, 40)}${file.state.slice(44)}`
    expect(await refusal(utf8(JSON.stringify(file)), boardWithOneShape())).toMatch(
      /^The board file is damaged: /,
    )
  })

  it('refuses other files with a message saying what it can import', async () => {
    const board = boardWithOneShape()
    expect(await refusal(new Uint8Array(), board)).toBe(UNSUPPORTED_FILE)
    expect(await refusal(utf8('just some notes'), board)).toBe(UNSUPPORTED_FILE)
    expect(await refusal(Uint8Array.of(0xff, 0xd8, 0xff, 0xe0, 0, 16), board)).toBe(
      UNSUPPORTED_FILE,
    )
    expect(await refusal(Uint8Array.of(0x7b, 0xc3, 0x28), board)).toBe(UNSUPPORTED_FILE)
    expect(await refusal(utf8('{"elements": []}'), board)).toBe(
      'This file is not a Peerboard board file.',
    )
    expect(await refusal(utf8('  {"format":"peerboard","version":3}'), board)).toBe(
      'This board file is from a newer Peerboard (version 3).',
    )
  })
})
