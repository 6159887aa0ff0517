import { createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { iceServersFor } from './turn.js'

const NOW_MS = Date.UTC(2026, 10, 24, 12, 0, 0, 750)
const PEER = 'AAAAAAAAAAAAAAAAAAAAAA'
const base = { stunUrls: [], turnUrls: [], turnSecret: undefined, turnTtlSeconds: 3600 }

describe('iceServersFor', () => {
  it('returns no servers by default, so no third party learns anything', () => {
    expect(iceServersFor(base, PEER, NOW_MS)).toEqual([])
  })

  it('groups STUN urls into one entry without credentials', () => {
    const stunUrls = ['stun:stun.example.test:3478', 'stun:other.example.test']
    expect(iceServersFor({ ...base, stunUrls }, PEER, NOW_MS)).toEqual([{ urls: stunUrls }])
  })

  it('issues coturn use-auth-secret credentials that expire after the TTL', () => {
    const config = {
      ...base,
      turnUrls: ['turn:turn.example.test:3478?transport=udp', 'turns:turn.example.test:5349'],
      turnSecret: 'shared-secret',
      turnTtlSeconds: 600,
    }
    const [turn] = iceServersFor(config, PEER, NOW_MS)
    const expiry = Math.floor(NOW_MS / 1000) + 600
    const username = `${expiry}:${PEER}`
    const expected = createHmac('sha1', 'shared-secret').update(username).digest('base64')
    expect(turn).toEqual({ urls: config.turnUrls, username, credential: expected })
    // A 20-byte SHA-1 digest is 28 base64 characters.
    expect(turn?.credential).toMatch(/^[A-Za-z0-9+/]{27}=$/)
  })

  it('puts STUN before TURN and changes the credential with the clock', () => {
    const config = {
      ...base,
      stunUrls: ['stun:stun.example.test'],
      turnUrls: ['turn:turn.example.test'],
      turnSecret: 's',
    }
    const now = iceServersFor(config, PEER, NOW_MS)
    const later = iceServersFor(config, PEER, NOW_MS + 1000)
    expect(now.map((server) => server.username)).toEqual([undefined, expect.any(String)])
    expect(later[1]?.credential).not.toBe(now[1]?.credential)
  })
})
