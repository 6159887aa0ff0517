/**
 * The board file: a small JSON envelope around the Yjs state of the whole document.
 *
 *   { "format": "peerboard", "version": 1, "createdAt": ISO 8601, "shapes": count,
 *     "state": base64 of Y.encodeStateAsUpdate(doc) }
 *
 * Reading never touches the live document: the state is applied to a scratch Y.Doc and read
 * back through a Board, so only shapes that pass validation come out, with their ids and
 * stored fields, ready for Board.putShapes.
 */
import * as Y from 'yjs'
import { Board, countShapes } from '../board/board'
import type { StoredFields } from '../board/shapes'
import { decodeBase64, encodeBase64 } from './base64'
import { ImportError } from './import-error'

export const BOARD_FILE_FORMAT = 'peerboard'
export const BOARD_FILE_VERSION = 1
/** Far above a 10,000-stroke board (a few MiB), low enough to parse without trouble. */
export const MAX_BOARD_FILE_CHARS = 64 * 1024 * 1024
export const TOO_LARGE = 'This board file is too large to import (the limit is 64 MiB).'

export interface BoardFileShape {
  id: string
  fields: StoredFields
}

export interface DecodedBoardFile {
  createdAt: string
  shapes: BoardFileShape[]
}

/** Given the Board rather than its Y.Doc, the shape count comes free instead of a re-parse. */
export function encodeBoardFile(source: Board | Y.Doc, now: Date = new Date()): string {
  const doc = source instanceof Board ? source.doc : source
  const header = JSON.stringify(
    {
      format: BOARD_FILE_FORMAT,
      version: BOARD_FILE_VERSION,
      createdAt: now.toISOString(),
      shapes: source instanceof Board ? source.size : countShapes(doc),
    },
    null,
    2,
  )
  const state = encodeBase64(Y.encodeStateAsUpdate(doc))
  // Base64 needs no JSON escaping: spliced in, megabytes are not scanned again by stringify.
  return `${header.slice(0, -2)},\n  "state": "${state}"\n}`
}

/** Throws an ImportError, with a message for the person importing, on anything wrong. */
export function decodeBoardFile(text: string): DecodedBoardFile {
  if (text.length > MAX_BOARD_FILE_CHARS) {
    throw new ImportError(TOO_LARGE)
  }
  const file = parseEnvelope(text)
  const bytes = decodeBase64(file.state)
  if (!bytes) throw damaged('its board data is not valid base64')
  return { createdAt: file.createdAt, shapes: readShapes(bytes) }
}

interface Envelope {
  createdAt: string
  state: string
}

function parseEnvelope(text: string): Envelope {
  let value: unknown
  try {
    value = JSON.parse(text.replace(/^\uFEFF/, ''))
  } catch {
    value = null
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw notBoardFile()
  const { format, version, createdAt, shapes, state } = value as Record<string, unknown>
  if (format !== BOARD_FILE_FORMAT) throw notBoardFile()
  if (
    typeof version === 'number' &&
    Number.isSafeInteger(version) &&
    version > BOARD_FILE_VERSION
  ) {
    throw new ImportError(`This board file is from a newer Peerboard (version ${version}).`)
  }
  if (version !== BOARD_FILE_VERSION) throw damaged('its version is not a known one')
  if (typeof createdAt !== 'string' || Number.isNaN(Date.parse(createdAt))) {
    throw damaged('its creation date is missing or unreadable')
  }
  if (typeof shapes !== 'number' || !Number.isSafeInteger(shapes) || shapes < 0) {
    throw damaged('its shape count is missing or unreadable')
  }
  if (typeof state !== 'string') throw damaged('it holds no board data')
  return { createdAt, state }
}

function readShapes(update: Uint8Array): BoardFileShape[] {
  const scratch = new Y.Doc()
  try {
    try {
      Y.applyUpdate(scratch, update)
    } catch {
      throw damaged('its board data cannot be read')
    }
    // A whole-document state never waits for missing parts; one that does was cut or edited.
    if (scratch.store.pendingStructs !== null || scratch.store.pendingDs !== null) {
      throw damaged('its board data is incomplete')
    }
    const board = new Board(scratch)
    const shapes: BoardFileShape[] = []
    for (const shape of board.allShapes()) {
      const fields = board.storedFields(shape.id)
      if (fields) shapes.push({ id: shape.id, fields })
    }
    return shapes
  } finally {
    // Also ends the scratch Board's UndoManager and observers.
    scratch.destroy()
  }
}

function notBoardFile(): ImportError {
  return new ImportError('This file is not a Peerboard board file.')
}

function damaged(reason: string): ImportError {
  return new ImportError(`The board file is damaged: ${reason}.`)
}
