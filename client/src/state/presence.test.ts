import { describe, expect, it } from 'vitest'
import { readVoice } from './presence'

describe('readVoice', () => {
  it('reads a voice state, with joining false when an older peer leaves it out', () => {
    expect(readVoice({ voice: { on: true, muted: false, speaking: true } })).toEqual({
      on: true,
      muted: false,
      speaking: true,
      joining: false,
    })
    expect(
      readVoice({ voice: { on: false, muted: false, speaking: false, joining: true } }),
    ).toMatchObject({ on: false, joining: true })
  })

  it('refuses anything that is not a well-formed voice state', () => {
    for (const state of [
      null,
      'voice',
      {},
      { voice: null },
      { voice: { on: 'yes', muted: false, speaking: false } },
      { voice: { on: true, muted: false } },
      { voice: { on: false, muted: false, speaking: false, joining: 1 } },
    ]) {
      expect(readVoice(state)).toBeNull()
    }
  })
})
