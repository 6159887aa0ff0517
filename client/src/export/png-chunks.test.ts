import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ONE_PIXEL_PNG } from './fixtures'
import {
  chunk,
  crc32,
  isPng,
  PEERBOARD_KEYWORD,
  PngError,
  readChunks,
  readTextChunk,
  writeTextChunk,
} from './png-chunks'

const ascii = (text: string) => Uint8Array.from(text, (char) => char.charCodeAt(0))

function pngError(run: () => unknown): string {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(PngError)
    return (error as Error).message
  }
  throw new Error('no error')
}

describe('crc32', () => {
  it('matches the standard check values', () => {
    expect(crc32(new Uint8Array())).toBe(0)
    expect(crc32(ascii('123456789'))).toBe(0xcbf43926)
    // Every PNG ends with this CRC: IEND has no data.
    expect(crc32(ascii('IEND'))).toBe(0xae426082)
  })
})

describe('PNG chunks', () => {
  it('walks a valid PNG and checks its CRCs', () => {
    expect(isPng(ONE_PIXEL_PNG)).toBe(true)
    const chunks = readChunks(ONE_PIXEL_PNG)
    expect(chunks.map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'IEND'])
    expect(chunks[0]!.data).toHaveLength(13)
    expect(readTextChunk(ONE_PIXEL_PNG, PEERBOARD_KEYWORD)).toBeNull()
  })

  it('inserts a tEXt chunk before IEND and reads it back', () => {
    const payload = '{"format":"peerboard","state":"AAEC+/=="}'
    const png = writeTextChunk(ONE_PIXEL_PNG, PEERBOARD_KEYWORD, payload)
    const chunks = readChunks(png)
    expect(chunks.map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'tEXt', 'IEND'])
    expect(readTextChunk(png, PEERBOARD_KEYWORD)).toBe(payload)
    expect(png.length).toBe(
      ONE_PIXEL_PNG.length + 12 + PEERBOARD_KEYWORD.length + 1 + payload.length,
    )
    // The original image bytes are untouched.
    expect(png.subarray(0, chunks[2]!.offset)).toEqual(
      ONE_PIXEL_PNG.subarray(0, readChunks(ONE_PIXEL_PNG)[2]!.offset),
    )
    expect(ONE_PIXEL_PNG.length).toBe(70)
  })

  it('replaces an earlier board and keeps other text chunks', () => {
    let png = writeTextChunk(ONE_PIXEL_PNG, 'Software', 'some editor')
    png = writeTextChunk(png, PEERBOARD_KEYWORD, 'first')
    png = writeTextChunk(png, PEERBOARD_KEYWORD, 'second')
    expect(readChunks(png).map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'tEXt', 'tEXt', 'IEND'])
    expect(readTextChunk(png, PEERBOARD_KEYWORD)).toBe('second')
    expect(readTextChunk(png, 'Software')).toBe('some editor')
  })

  it('does not take another keyword that starts the same', () => {
    const png = writeTextChunk(ONE_PIXEL_PNG, 'peerboardX', 'not ours')
    expect(readTextChunk(png, PEERBOARD_KEYWORD)).toBeNull()
  })

  it('round-trips any ASCII or Latin-1 payload', () => {
    const latin1 = fc.string({
      unit: fc.integer({ min: 1, max: 0xff }).map((code) => String.fromCharCode(code)),
      maxLength: 2000,
    })
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary-ascii' }), latin1), (payload) => {
        fc.pre(!payload.includes('\0'))
        const png = writeTextChunk(ONE_PIXEL_PNG, PEERBOARD_KEYWORD, payload)
        expect(readTextChunk(png, PEERBOARD_KEYWORD)).toBe(payload)
        expect(readChunks(png)).toHaveLength(4)
      }),
    )
  })

  it('detects any flipped byte after the signature', () => {
    const png = writeTextChunk(ONE_PIXEL_PNG, PEERBOARD_KEYWORD, 'payload')
    fc.assert(
      fc.property(
        fc.integer({ min: 8, max: png.length - 1 }),
        fc.integer({ min: 1, max: 255 }),
        (index, flip) => {
          const damaged = png.slice()
          damaged[index] = damaged[index]! ^ flip
          // A flipped length or type fails differently from a flipped payload, but it fails.
          expect(() => readChunks(damaged)).toThrow(PngError)
        },
      ),
    )
  })

  it('explains what is wrong', () => {
    expect(pngError(() => readChunks(ascii('GIF89a-----')))).toBe('not a PNG file')
    expect(pngError(() => readChunks(new Uint8Array()))).toBe('not a PNG file')
    expect(pngError(() => readChunks(ONE_PIXEL_PNG.subarray(0, 8)))).toBe('the file is cut short')
    expect(pngError(() => readChunks(ONE_PIXEL_PNG.subarray(0, 60)))).toBe('the file is cut short')
    const damaged = ONE_PIXEL_PNG.slice()
    damaged[45] = damaged[45]! ^ 1
    expect(pngError(() => readChunks(damaged))).toBe('chunk IDAT has a wrong checksum')
    const headless = new Uint8Array([
      ...ONE_PIXEL_PNG.subarray(0, 8),
      ...chunk('IEND', new Uint8Array()),
    ])
    expect(pngError(() => readChunks(headless))).toBe('the file has no PNG header')
  })

  it('refuses to write what tEXt cannot hold', () => {
    expect(pngError(() => writeTextChunk(ONE_PIXEL_PNG, PEERBOARD_KEYWORD, 'a\0b'))).toMatch(/NUL/)
    expect(pngError(() => writeTextChunk(ONE_PIXEL_PNG, PEERBOARD_KEYWORD, 'snow ☃'))).toMatch(
      /Latin-1/,
    )
    expect(pngError(() => writeTextChunk(ONE_PIXEL_PNG, '', 'x'))).toMatch(/keyword/)
    expect(pngError(() => writeTextChunk(ONE_PIXEL_PNG, ' padded', 'x'))).toMatch(/keyword/)
  })
})
