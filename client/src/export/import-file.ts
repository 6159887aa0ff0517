/**
 * Import of a board file or a Peerboard PNG into the live board: the file is read and
 * validated completely first (board-file.ts), then its shapes are written with Board.putShapes,
 * one undoable step that reaches everyone through the normal Yjs sync. Shapes keep their ids,
 * so importing the same file twice leaves the same board as importing it once. A file that
 * fails changes nothing at all.
 */
import type { Board } from '../board/board'
import { decodeBoardFile, MAX_BOARD_FILE_CHARS, TOO_LARGE } from './board-file'
import { ImportError } from './import-error'
import { isPng, PEERBOARD_KEYWORD, PngError, readTextChunk } from './png-chunks'
import { nextTask } from './time-slicer'

export interface ImportResult {
  /** Shapes written to the board. */
  shapes: number
}

export const NOT_FROM_PEERBOARD_PNG =
  'This PNG was not exported by Peerboard, so it holds no board to import.'
export const UNSUPPORTED_FILE =
  'Peerboard can import a board file (.json) or a PNG exported by Peerboard.'

/** Throws an ImportError, whose message is meant for the person, when the file is refused. */
export async function importFile(bytes: Uint8Array, board: Board): Promise<ImportResult> {
  // Each stage of a large import takes a while; the page gets a turn between them.
  const text = boardFileText(bytes)
  await nextTask()
  const { shapes } = decodeBoardFile(text)
  await nextTask()
  return { shapes: board.putShapes(shapes) }
}

function boardFileText(bytes: Uint8Array): string {
  if (isPng(bytes)) {
    let text: string | null
    try {
      text = readTextChunk(bytes, PEERBOARD_KEYWORD)
    } catch (error) {
      if (error instanceof PngError) throw new ImportError(`This PNG is damaged: ${error.message}.`)
      throw error
    }
    if (text === null) throw new ImportError(NOT_FROM_PEERBOARD_PNG)
    return text
  }
  // A board file is ASCII: its size in bytes is its length, checked before decoding it all.
  if (bytes.length > MAX_BOARD_FILE_CHARS) throw new ImportError(TOO_LARGE)
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    throw new ImportError(UNSUPPORTED_FILE)
  }
  if (!/^\uFEFF?\s*\{/.test(text)) throw new ImportError(UNSUPPORTED_FILE)
  return text
}
