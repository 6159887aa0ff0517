import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { fromBase64Url, randomId, toBase64Url } from './encoding'
import { createSignalSealer } from './signal-crypto'

const ROOM = 'room_1-A'
const KEY = randomId(16)
const ALICE = 'alice-peer-id-0000000000'
const BOB = 'bob-peer-id-000000000000'
const SDP = JSON.stringify({
  c: 'conn',
  n: 1,
  s: { type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 x' },
})

describe('createSignalSealer', () => {
  it('round-trips text between the right pair', async () => {
    const alice = await createSignalSealer(ROOM, KEY)
    const bob = await createSignalSealer(ROOM, KEY)
    const sealed = await alice.seal(ALICE, BOB, SDP)
    expect(sealed).toMatch(/^[A-Za-z0-9_-]+$/)
    expect(sealed).not.toContain('offer')
    expect(await bob.open(ALICE, BOB, sealed)).toBe(SDP)
  })

  it('round-trips arbitrary text', async () => {
    const sealer = await createSignalSealer(ROOM, KEY)
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'grapheme', maxLength: 300 }), async (text) => {
        expect(await sealer.open(ALICE, BOB, await sealer.seal(ALICE, BOB, text))).toBe(text)
      }),
      { numRuns: 200 },
    )
  }, 30_000)

  it('uses a fresh IV for every message', async () => {
    const sealer = await createSignalSealer(ROOM, KEY)
    const sealed = await Promise.all(Array.from({ length: 20 }, () => sealer.seal(ALICE, BOB, SDP)))
    expect(new Set(sealed).size).toBe(20)
    expect(new Set(sealed.map((text) => text.slice(0, 16))).size).toBe(20)
  })

  it('does not open with another room key', async () => {
    const sealed = await (await createSignalSealer(ROOM, KEY)).seal(ALICE, BOB, SDP)
    const other = await createSignalSealer(ROOM, randomId(16))
    await expect(other.open(ALICE, BOB, sealed)).rejects.toThrow()
  })

  it('does not open with another room id (same key)', async () => {
    const sealed = await (await createSignalSealer(ROOM, KEY)).seal(ALICE, BOB, SDP)
    const other = await createSignalSealer('room_2', KEY)
    await expect(other.open(ALICE, BOB, sealed)).rejects.toThrow()
  })

  it('binds sender and receiver: swapped or moved payloads do not open', async () => {
    const sealer = await createSignalSealer(ROOM, KEY)
    const sealed = await sealer.seal(ALICE, BOB, SDP)
    await expect(sealer.open(BOB, ALICE, sealed)).rejects.toThrow()
    await expect(sealer.open(ALICE, 'mallory', sealed)).rejects.toThrow()
    await expect(sealer.open('mallory', BOB, sealed)).rejects.toThrow()
    await expect(sealer.open(BOB, BOB, sealed)).rejects.toThrow()
  })

  it('refuses a payload with any flipped byte (IV, ciphertext or tag)', async () => {
    const sealer = await createSignalSealer(ROOM, KEY)
    const bytes = fromBase64Url(await sealer.seal(ALICE, BOB, 'short'))
    for (let i = 0; i < bytes.length; i++) {
      const tampered = bytes.slice()
      tampered[i] = tampered[i]! ^ 0x01
      await expect(sealer.open(ALICE, BOB, toBase64Url(tampered))).rejects.toThrow()
    }
  })

  it('refuses truncated, padded, empty and non-base64url payloads', async () => {
    const sealer = await createSignalSealer(ROOM, KEY)
    const bytes = fromBase64Url(await sealer.seal(ALICE, BOB, SDP))
    for (const length of [0, 1, 12, 13, bytes.length - 16, bytes.length - 1]) {
      await expect(
        sealer.open(ALICE, BOB, toBase64Url(bytes.subarray(0, length))),
      ).rejects.toThrow()
    }
    const padded = new Uint8Array(bytes.length + 1)
    padded.set(bytes)
    await expect(sealer.open(ALICE, BOB, toBase64Url(padded))).rejects.toThrow()
    await expect(sealer.open(ALICE, BOB, '')).rejects.toThrow()
    await expect(sealer.open(ALICE, BOB, 'abc+/=')).rejects.toThrow()
  })

  it('refuses a room key that is not base64url', async () => {
    await expect(createSignalSealer(ROOM, 'not a key!')).rejects.toThrow()
  })
})

describe('base64url helpers', () => {
  it('round-trip arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const text = toBase64Url(bytes)
        expect(text).toMatch(/^[A-Za-z0-9_-]*$/)
        expect(fromBase64Url(text)).toEqual(bytes)
      }),
      { numRuns: 1000 },
    )
  })

  it('randomId has at least 128 bits in base64url', () => {
    const id = randomId()
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/)
    expect(randomId()).not.toBe(id)
  })
})
