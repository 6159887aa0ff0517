/**
 * Just enough of the PNG container (ISO/IEC 15948) to carry a board inside an exported image:
 * walk the chunks, checking the signature and every CRC, and add or read a `tEXt` chunk.
 *
 *   signature (8 bytes), then chunks: length (u32 BE) · type (4 ASCII letters) · data · CRC-32
 *   tEXt data: keyword (Latin-1, 1-79 bytes) · 0 · text (Latin-1)
 *
 * tEXt rather than iTXt because the board file is ASCII JSON; it is inserted just before IEND,
 * which the format allows for text chunks.
 */

import { concatBytes } from '../board/points'

export const PNG_SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)
export const PEERBOARD_KEYWORD = 'peerboard'
const MAX_CHUNK_LENGTH = 0x7fffffff

export class PngError extends Error {
  override readonly name = 'PngError'
}

export interface PngChunk {
  type: string
  /** Offset of the chunk's length field in the PNG. */
  offset: number
  /** A view into the PNG, not a copy. */
  data: Uint8Array
}

export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= PNG_SIGNATURE.length && PNG_SIGNATURE.every((b, i) => bytes[i] === b)
}

/** All chunks up to and including IEND; throws a PngError if the file is not a sound PNG. */
export function readChunks(png: Uint8Array): PngChunk[] {
  if (!isPng(png)) throw new PngError('not a PNG file')
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength)
  const chunks: PngChunk[] = []
  let offset = PNG_SIGNATURE.length
  for (;;) {
    if (offset + 12 > png.length) throw new PngError('the file is cut short')
    const length = view.getUint32(offset)
    if (length > MAX_CHUNK_LENGTH) throw new PngError('a chunk has an impossible length')
    const end = offset + 12 + length
    if (end > png.length) throw new PngError('the file is cut short')
    const type = chunkType(png.subarray(offset + 4, offset + 8))
    if (type === null) throw new PngError('a chunk has an invalid type')
    if (crc32(png.subarray(offset + 4, end - 4)) !== view.getUint32(end - 4)) {
      throw new PngError(`chunk ${type} has a wrong checksum`)
    }
    if (chunks.length === 0 && type !== 'IHDR') throw new PngError('the file has no PNG header')
    chunks.push({ type, offset, data: png.subarray(offset + 8, end - 4) })
    offset = end
    if (type === 'IEND') return chunks
  }
}

/**
 * The text of the first tEXt chunk with `keyword`, or null if there is none. Throws a PngError
 * if the PNG is not sound.
 */
export function readTextChunk(png: Uint8Array, keyword: string): string | null {
  for (const candidate of readChunks(png)) {
    const text = textOf(candidate, keyword)
    if (text !== null) return text
  }
  return null
}

/**
 * A copy of `png` with a tEXt chunk `keyword` holding `text` before IEND; an earlier tEXt chunk
 * with the same keyword is dropped, so exporting an imported PNG keeps one board.
 */
export function writeTextChunk(png: Uint8Array, keyword: string, text: string): Uint8Array {
  if (!/^[\x20-\x7e\xa1-\xff]{1,79}$/.test(keyword) || /^ | $| {2}/.test(keyword)) {
    throw new PngError('invalid tEXt keyword')
  }
  if (text.includes('\0')) throw new PngError('tEXt text cannot hold a NUL character')
  const keep = readChunks(png).filter((candidate) => textOf(candidate, keyword) === null)
  const added = chunk(
    'tEXt',
    concatBytes([latin1Bytes(keyword), Uint8Array.of(0), latin1Bytes(text)]),
  )
  const parts: Uint8Array[] = [png.subarray(0, PNG_SIGNATURE.length)]
  for (const kept of keep) {
    const whole = png.subarray(kept.offset, kept.offset + kept.data.length + 12)
    if (kept.type === 'IEND') parts.push(added)
    parts.push(whole)
  }
  return concatBytes(parts)
}

/** One chunk, length and CRC included. */
export function chunk(type: string, data: Uint8Array): Uint8Array {
  const typeBytes = latin1Bytes(type)
  if (chunkType(typeBytes) === null) throw new PngError(`invalid chunk type ${type}`)
  if (data.length > MAX_CHUNK_LENGTH) throw new PngError('chunk too large')
  const bytes = new Uint8Array(data.length + 12)
  const view = new DataView(bytes.buffer)
  view.setUint32(0, data.length)
  bytes.set(typeBytes, 4)
  bytes.set(data, 8)
  view.setUint32(data.length + 8, crc32(bytes.subarray(4, data.length + 8)))
  return bytes
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    table[n] = c >>> 0
  }
  return table
})()

/** CRC-32 as PNG (and zlib, gzip) define it. */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

function textOf(candidate: PngChunk, keyword: string): string | null {
  if (candidate.type !== 'tEXt') return null
  const separator = candidate.data.indexOf(0)
  if (separator < 0 || latin1(candidate.data.subarray(0, separator)) !== keyword) return null
  return latin1(candidate.data.subarray(separator + 1))
}

function chunkType(bytes: Uint8Array): string | null {
  if (bytes.length !== 4) return null
  for (const b of bytes) if (!((b >= 65 && b <= 90) || (b >= 97 && b <= 122))) return null
  return latin1(bytes)
}

/** Not TextDecoder('latin1'): the Encoding Standard maps that label to windows-1252. */
function latin1(bytes: Uint8Array): string {
  const parts: string[] = []
  for (let i = 0; i < bytes.length; i += 0x8000) {
    parts.push(String.fromCharCode(...bytes.subarray(i, i + 0x8000)))
  }
  return parts.join('')
}

function latin1Bytes(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length)
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code > 0xff) throw new PngError('tEXt holds Latin-1 text only')
    bytes[i] = code
  }
  return bytes
}
