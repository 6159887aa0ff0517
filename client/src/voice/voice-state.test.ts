import { describe, expect, it } from 'vitest'
import {
  errorKindOf,
  INITIAL_VOICE,
  VOICE_ERROR_MESSAGES,
  voiceReducer,
  wantsMicrophone,
  type VoiceEvent,
  type VoiceMachine,
} from './voice-state'

const run = (events: VoiceEvent[], from: VoiceMachine = INITIAL_VOICE) =>
  events.reduce(voiceReducer, from)

describe('voice state machine', () => {
  it('joins through a permission request and leaves', () => {
    const requesting = run([{ type: 'join' }])
    expect(requesting.status).toBe('requesting')
    expect(wantsMicrophone(requesting)).toBe(true)
    const on = voiceReducer(requesting, { type: 'granted' })
    expect(on).toMatchObject({ status: 'on', muted: false, error: null })
    const off = voiceReducer(on, { type: 'leave' })
    expect(off.status).toBe('off')
    expect(wantsMicrophone(off)).toBe(false)
  })

  it('ignores a second join and a late grant after leaving', () => {
    const on = run([{ type: 'join' }, { type: 'granted' }])
    expect(voiceReducer(on, { type: 'join' })).toBe(on)
    const left = run([{ type: 'join' }, { type: 'leave' }, { type: 'granted' }])
    expect(left.status).toBe('off')
  })

  it('mutes, unmutes and toggles only while in voice', () => {
    expect(run([{ type: 'mute' }]).muted).toBe(false)
    const on = run([{ type: 'join' }, { type: 'granted' }])
    expect(run([{ type: 'mute' }], on).muted).toBe(true)
    expect(run([{ type: 'mute' }, { type: 'unmute' }], on).muted).toBe(false)
    expect(
      run([{ type: 'toggle-mute' }, { type: 'toggle-mute' }, { type: 'toggle-mute' }], on).muted,
    ).toBe(true)
  })

  it('rejoins unmuted after leaving muted', () => {
    const rejoined = run([
      { type: 'join' },
      { type: 'granted' },
      { type: 'mute' },
      { type: 'leave' },
      { type: 'join' },
      { type: 'granted' },
    ])
    expect(rejoined).toMatchObject({ status: 'on', muted: false })
  })

  it('goes to an error state with its reason, and joins again from there', () => {
    const denied = run([{ type: 'join' }, { type: 'failed', error: 'denied' }])
    expect(denied).toMatchObject({ status: 'error', error: 'denied' })
    expect(wantsMicrophone(denied)).toBe(false)
    const retried = run([{ type: 'join' }], denied)
    expect(retried).toMatchObject({ status: 'requesting', error: null })
    expect(run([{ type: 'dismiss' }], denied)).toMatchObject({ status: 'off', error: null })
  })

  it('leaves with the unplugged reason when the track ends, only while on', () => {
    const on = run([{ type: 'join' }, { type: 'granted' }])
    expect(run([{ type: 'ended' }], on)).toMatchObject({ status: 'error', error: 'unplugged' })
    expect(run([{ type: 'ended' }])).toEqual(INITIAL_VOICE)
  })

  it('push-to-talk keeps the mic muted except while the key is held', () => {
    const on = run([{ type: 'join' }, { type: 'granted' }, { type: 'push-to-talk', enabled: true }])
    expect(on.muted).toBe(true)
    expect(run([{ type: 'talk', held: true }], on).muted).toBe(false)
    expect(
      run(
        [
          { type: 'talk', held: true },
          { type: 'talk', held: false },
        ],
        on,
      ).muted,
    ).toBe(true)
    // Without push-to-talk the key does nothing.
    const normal = run([{ type: 'join' }, { type: 'granted' }])
    expect(run([{ type: 'talk', held: false }], normal).muted).toBe(false)
    // Unmuting by hand ends push-to-talk; joining with it on starts muted.
    expect(run([{ type: 'unmute' }], on)).toMatchObject({ muted: false, pushToTalk: false })
    const ptt = run([
      { type: 'push-to-talk', enabled: true },
      { type: 'join' },
      { type: 'granted' },
    ])
    expect(ptt).toMatchObject({ status: 'on', muted: true })
  })

  it('maps getUserMedia errors to messages', () => {
    const named = (name: string) => new DOMException('x', name)
    expect(errorKindOf(named('NotAllowedError'))).toBe('denied')
    expect(errorKindOf(named('SecurityError'))).toBe('denied')
    expect(errorKindOf(named('NotFoundError'))).toBe('no-device')
    expect(errorKindOf(named('OverconstrainedError'))).toBe('no-device')
    expect(errorKindOf(named('NotReadableError'))).toBe('busy')
    expect(errorKindOf(new Error('weird'))).toBe('failed')
    expect(errorKindOf(null)).toBe('failed')
    expect(VOICE_ERROR_MESSAGES.denied).toMatch(/^Microphone permission was denied/)
    expect(VOICE_ERROR_MESSAGES['no-device']).toMatch(/^No microphone found/)
  })
})
