import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createRoomLink, formatRoomFragment, parseRoomFragment } from './room-link'

const roomId = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/)
const key = fc.stringMatching(/^[A-Za-z0-9_-]{22,86}$/)

describe('room links', () => {
  it('parse(format(link)) returns the link, with or without the #', () => {
    fc.assert(
      fc.property(roomId, key, (room, secret) => {
        const link = { roomId: room, key: secret }
        const fragment = formatRoomFragment(link)
        expect(fragment).toBe(`#${room}.${secret}`)
        expect(parseRoomFragment(fragment)).toEqual(link)
        expect(parseRoomFragment(fragment.slice(1))).toEqual(link)
      }),
      { numRuns: 1000 },
    )
  })

  it('creates fresh links that parse, with at least 128 random bits of key', () => {
    const a = createRoomLink()
    const b = createRoomLink()
    expect(parseRoomFragment(formatRoomFragment(a))).toEqual(a)
    expect(a.key).toMatch(/^[A-Za-z0-9_-]{22,}$/)
    expect(a.roomId).not.toBe(b.roomId)
    expect(a.key).not.toBe(b.key)
    expect(a.key).not.toBe(a.roomId)
  })

  it('rejects malformed fragments', () => {
    const goodKey = 'k'.repeat(22)
    const bad = [
      '',
      '#',
      '#.',
      '#room',
      `#${goodKey}`,
      `#.${goodKey}`,
      '#room.',
      '#room.short',
      `#room.${'k'.repeat(21)}`,
      `#room.${'k'.repeat(87)}`,
      `#${'r'.repeat(65)}.${goodKey}`,
      `#ro om.${goodKey}`,
      `#room.${goodKey}.extra`,
      `#room.${'k'.repeat(21)}=`,
      `#room.${'k'.repeat(21)}+`,
      `#room/x.${goodKey}`,
      `##room.${goodKey}`,
      `#ro%20m.${goodKey}`,
    ]
    for (const fragment of bad) expect(parseRoomFragment(fragment)).toBeNull()
    expect(parseRoomFragment(`#r.${goodKey}`)).toEqual({ roomId: 'r', key: goodKey })
  })

  it('never throws and only accepts what it can format back', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 120 }), (text) => {
        const link = parseRoomFragment(text)
        if (link) expect(formatRoomFragment(link)).toBe(text.startsWith('#') ? text : `#${text}`)
      }),
      { numRuns: 2000 },
    )
  })
})
