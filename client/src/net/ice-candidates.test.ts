import { describe, expect, it } from 'vitest'
import { worthSignaling } from './ice-candidates'

const candidate = (line: string) => ({
  type: 'candidate',
  candidate: { candidate: line, sdpMLineIndex: 0, sdpMid: '0' },
})

describe('worthSignaling', () => {
  it('keeps UDP host, server-reflexive and relay candidates', () => {
    for (const line of [
      'candidate:342821567 1 udp 2122194687 127.0.0.1 54092 typ host generation 0 network-id 3',
      'candidate:1 1 udp 1686052607 203.0.113.7 40000 typ srflx raddr 192.0.2.2 rport 5000',
      'candidate:2 1 udp 41885439 198.51.100.4 3478 typ relay raddr 203.0.113.7 rport 40000',
    ]) {
      expect(worthSignaling(candidate(line))).toBe(true)
    }
  })

  it('drops active TCP host candidates, which only dial out', () => {
    const line =
      'candidate:3 1 tcp 1518214911 192.0.2.2 9 typ host tcptype active generation 0 network-id 1'
    expect(worthSignaling(candidate(line))).toBe(false)
    expect(
      worthSignaling(candidate('candidate:3 1 tcp 1518214911 ::1 9 typ host tcptype active')),
    ).toBe(false)
  })

  it('keeps passive and simultaneous-open TCP candidates, which accept connections', () => {
    for (const type of ['passive', 'so']) {
      const line = `candidate:4 1 tcp 1518214911 192.0.2.2 50000 typ host tcptype ${type} generation 0`
      expect(worthSignaling(candidate(line))).toBe(true)
    }
  })

  it('passes every other signal through', () => {
    expect(worthSignaling({ type: 'offer', sdp: 'v=0' })).toBe(true)
    expect(worthSignaling({ type: 'answer', sdp: 'v=0 tcptype active' })).toBe(true)
    expect(worthSignaling({ renegotiate: true })).toBe(true)
    expect(worthSignaling({ type: 'candidate', candidate: null })).toBe(true)
  })
})
