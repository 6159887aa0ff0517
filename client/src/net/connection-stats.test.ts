import { describe, expect, it } from 'vitest'
import { connectionView, formatBytes, type StatsEntry } from './connection-stats'
import recorded from './fixtures/chromium-stats-connected.json'

const connected = recorded.stats as StatsEntry[]

/** The same connection after a partition: ICE failed, no pair selected, only host candidates. */
function failedCopy(types: string[]): StatsEntry[] {
  const locals = types.map((candidateType, i) => ({
    id: `L${i}`,
    type: 'local-candidate',
    candidateType,
    port: 50000 + i,
  }))
  return [
    { id: 'T01', type: 'transport', iceState: 'failed', bytesSent: 9000, bytesReceived: 8000 },
    ...locals,
    { id: 'P1', type: 'candidate-pair', state: 'failed', localCandidateId: 'L0' },
  ]
}

describe('connectionView (recorded Chromium stats)', () => {
  it('reads the selected pair, its candidate types, round trip and bytes', () => {
    const view = connectionView(connected, 'connected')
    expect(view).toEqual({
      iceState: 'connected',
      local: 'host',
      remote: 'host',
      rttMs: 1,
      bytesSent: 2730,
      bytesReceived: 2615,
      gathered: ['host'],
      hint: null,
    })
  })

  it('falls back to the nominated succeeded pair when the transport names none', () => {
    const withoutTransport = connected.filter((entry) => entry.type !== 'transport')
    const view = connectionView(withoutTransport, 'connected')
    expect(view.local).toBe('host')
    expect(view.rttMs).not.toBeNull()
  })

  it('says a TURN server is needed when ICE failed with only host and srflx candidates', () => {
    const view = connectionView(failedCopy(['host', 'srflx']), 'failed')
    expect(view.local).toBeNull()
    expect(view.rttMs).toBeNull()
    expect(view.gathered).toEqual(['host', 'srflx'])
    expect(view.hint).toMatch(/needs a TURN server/)
  })

  it('says even the relay failed when a relay candidate was gathered', () => {
    const view = connectionView(failedCopy(['host', 'relay']), 'failed')
    expect(view.hint).toMatch(/even through the TURN relay/)
  })

  it('shows an interruption while ICE is disconnected, and nothing for an empty report', () => {
    expect(connectionView(connected, 'disconnected').hint).toMatch(/interrupted/)
    expect(connectionView([], 'none')).toMatchObject({
      local: null,
      remote: null,
      rttMs: null,
      bytesSent: 0,
      bytesReceived: 0,
      gathered: [],
      hint: null,
    })
  })

  it('ignores malformed entries', () => {
    const junk = [
      { id: 'T', type: 'transport', selectedCandidatePairId: 'nope', bytesSent: 'x' },
      { id: 'C', type: 'local-candidate', candidateType: 'bogus' },
      {
        id: 'P',
        type: 'candidate-pair',
        selected: true,
        state: 'succeeded',
        currentRoundTripTime: NaN,
      },
    ] as StatsEntry[]
    expect(connectionView(junk, 'checking')).toMatchObject({
      rttMs: null,
      bytesSent: 0,
      gathered: [],
    })
  })

  it('formats byte counts', () => {
    expect(formatBytes(512)).toBe('512 B')
    expect(formatBytes(1536)).toBe('1.5 KB')
    expect(formatBytes(5 * 1024 * 1024)).toBe('5.0 MB')
    expect(formatBytes(300 * 1024)).toBe('300 KB')
  })
})
