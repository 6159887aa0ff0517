import * as Y from 'yjs'
import { describe, expect, it } from 'vitest'
import { Board } from '../board/board'
import { encodeBase64 } from './base64'
import { decodeBoardFile, encodeBoardFile, MAX_BOARD_FILE_CHARS } from './board-file'
import { ImportError } from './import-error'
import { INK, sampleBoard, snapshot } from './fixtures'

function envelope(patch: Record<string, unknown>): string {
  const file = JSON.parse(encodeBoardFile(sampleBoard().doc)) as Record<string, unknown>
  return JSON.stringify({ ...file, ...patch })
}

function refusal(text: string): string {
  try {
    decodeBoardFile(text)
  } catch (error) {
    expect(error).toBeInstanceOf(ImportError)
    return (error as ImportError).message
  }
  throw new Error('the file was accepted')
}

describe('board file', () => {
  it('carries every shape from one document to another', () => {
    const a = sampleBoard()
    const text = encodeBoardFile(a.doc, new Date('2025-03-04T05:06:07.000Z'))
    const header = JSON.parse(text) as Record<string, unknown>
    expect(header).toMatchObject({
      format: 'peerboard',
      version: 1,
      createdAt: '2025-03-04T05:06:07.000Z',
      shapes: 7,
    })
    expect(text).toMatch(/^[\x20-\x7e\n]*$/)
    expect(Object.keys(header)).toEqual(['format', 'version', 'createdAt', 'shapes', 'state'])
    expect(header.state).toBe(encodeBase64(Y.encodeStateAsUpdate(a.doc)))

    const decoded = decodeBoardFile(text)
    expect(decoded.createdAt).toBe('2025-03-04T05:06:07.000Z')
    const b = new Board(new Y.Doc())
    expect(b.putShapes(decoded.shapes)).toBe(7)
    expect(snapshot(b)).toEqual(snapshot(a))
  })

  it('leaves out what does not validate, and counts only valid shapes', () => {
    const a = sampleBoard()
    // What a buggy or hostile peer could write straight into the document.
    a.doc.transact(() => {
      a.shapes.set('junk', 'not a shape')
      a.shapes.set('plain', { g: { type: 'rect', w: -5, h: 1 }, s: INK, z: 1 })
      a.shapes.set('bad id!', { g: { type: 'rect', w: 5, h: 1 }, s: INK, z: 1 })
      const broken = new Y.Map<unknown>()
      broken.set('g', { type: 'rect', w: -5, h: 1 })
      broken.set('s', INK)
      broken.set('z', 1)
      a.shapes.set('broken', broken)
    })
    const text = encodeBoardFile(a.doc)
    expect((JSON.parse(text) as { shapes: number }).shapes).toBe(7)
    const ids = decodeBoardFile(text).shapes.map((shape) => shape.id)
    expect(ids).toHaveLength(7)
    expect(ids).not.toContain('junk')
    expect(ids).not.toContain('broken')
    expect(ids).not.toContain('plain')
  })

  it('reads an empty board', () => {
    const text = encodeBoardFile(new Y.Doc())
    expect(decodeBoardFile(text).shapes).toEqual([])
  })

  it('tolerates a byte order mark left by an editor', () => {
    expect(decodeBoardFile(`\uFEFF${encodeBoardFile(sampleBoard().doc)}`).shapes).toHaveLength(7)
  })

  it('refuses files that are not board files', () => {
    const notOurs = 'This file is not a Peerboard board file.'
    expect(refusal('')).toBe(notOurs)
    expect(refusal('hello')).toBe(notOurs)
    expect(refusal('[1, 2]')).toBe(notOurs)
    expect(refusal('null')).toBe(notOurs)
    expect(refusal('{"type": "excalidraw", "version": 2, "elements": []}')).toBe(notOurs)
    expect(refusal(envelope({ format: 'Peerboard' }))).toBe(notOurs)
  })

  it('says when a file comes from a newer Peerboard', () => {
    expect(refusal(envelope({ version: 2 }))).toBe(
      'This board file is from a newer Peerboard (version 2).',
    )
  })

  it.each([
    [{ version: 0 }, 'its version is not a known one'],
    [{ version: '1' }, 'its version is not a known one'],
    [{ version: 1.5 }, 'its version is not a known one'],
    [{ version: undefined }, 'its version is not a known one'],
    [{ createdAt: 'yesterday' }, 'its creation date is missing or unreadable'],
    [{ shapes: -1 }, 'its shape count is missing or unreadable'],
    [{ shapes: '7' }, 'its shape count is missing or unreadable'],
    [{ state: undefined }, 'it holds no board data'],
    [{ state: 42 }, 'it holds no board data'],
    [{ state: 'AAAA AAA=' }, 'its board data is not valid base64'],
    [{ state: 'AAA' }, 'its board data is not valid base64'],
    [{ state: 'AA-_' }, 'its board data is not valid base64'],
    [{ state: encodeBase64(Uint8Array.of(1, 200, 7, 9, 250, 3)) }, 'its board data cannot be read'],
  ])('refuses a damaged file (%o)', (patch, reason) => {
    expect(refusal(envelope(patch))).toBe(`The board file is damaged: ${reason}.`)
  })

  it('refuses a state cut short', () => {
    const state = Y.encodeStateAsUpdate(sampleBoard().doc)
    for (const length of [1, 10, Math.floor(state.length / 2), state.length - 1]) {
      const message = refusal(envelope({ state: encodeBase64(state.subarray(0, length)) }))
      expect(message).toMatch(
        /^The board file is damaged: its board data (cannot be read|is incomplete)\.$/,
      )
    }
  })

  it('refuses a state that depends on edits it does not hold', () => {
    const doc = sampleBoard().doc
    const before = Y.encodeStateVector(doc)
    sampleBoard(doc)
    const onlyTheLaterEdits = Y.encodeStateAsUpdate(doc, before)
    expect(refusal(envelope({ state: encodeBase64(onlyTheLaterEdits) }))).toBe(
      'The board file is damaged: its board data is incomplete.',
    )
  })

  it('refuses files over the size cap before parsing them', () => {
    const huge = `{"format":"peerboard","pad":"${'x'.repeat(MAX_BOARD_FILE_CHARS)}"}`
    expect(refusal(huge)).toBe('This board file is too large to import (the limit is 64 MiB).')
  })
})
