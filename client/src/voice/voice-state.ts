/**
 * The voice state machine, pure: off → requesting → on (muted or not) → off, with error states
 * that say why the microphone is unavailable. The controller performs the effects.
 */

export type VoiceStatus = 'off' | 'requesting' | 'on' | 'error'

export type VoiceErrorKind =
  'denied' | 'no-device' | 'busy' | 'unplugged' | 'unsupported' | 'failed'

export interface VoiceMachine {
  status: VoiceStatus
  muted: boolean
  /** Push-to-talk: the microphone is open only while the key is held. */
  pushToTalk: boolean
  error: VoiceErrorKind | null
}

export type VoiceEvent =
  | { type: 'join' }
  | { type: 'granted' }
  | { type: 'failed'; error: VoiceErrorKind }
  /** The microphone track ended without us asking (unplugged, revoked). */
  | { type: 'ended' }
  | { type: 'leave' }
  | { type: 'mute' }
  | { type: 'unmute' }
  | { type: 'toggle-mute' }
  | { type: 'push-to-talk'; enabled: boolean }
  | { type: 'talk'; held: boolean }
  | { type: 'dismiss' }

export const INITIAL_VOICE: VoiceMachine = {
  status: 'off',
  muted: false,
  pushToTalk: false,
  error: null,
}

export function voiceReducer(state: VoiceMachine, event: VoiceEvent): VoiceMachine {
  switch (event.type) {
    case 'join':
      if (state.status === 'requesting' || state.status === 'on') return state
      return { ...state, status: 'requesting', muted: state.pushToTalk, error: null }
    case 'granted':
      // Late: the person left (or it failed) while the browser asked.
      return state.status === 'requesting' ? { ...state, status: 'on' } : state
    case 'failed':
      if (state.status !== 'requesting' && state.status !== 'on') return state
      return { ...state, status: 'error', error: event.error }
    case 'ended':
      return state.status === 'on' ? { ...state, status: 'error', error: 'unplugged' } : state
    case 'leave':
      return { ...state, status: 'off', error: null }
    case 'dismiss':
      return state.status === 'error' ? { ...state, status: 'off', error: null } : state
    case 'mute':
    case 'unmute':
    case 'toggle-mute': {
      if (state.status !== 'on' && state.status !== 'requesting') return state
      const muted = event.type === 'toggle-mute' ? !state.muted : event.type === 'mute'
      // Muting by hand ends push-to-talk: otherwise the next key press would open the mic.
      return { ...state, muted, pushToTalk: muted ? state.pushToTalk : false }
    }
    case 'push-to-talk':
      return { ...state, pushToTalk: event.enabled, muted: event.enabled }
    case 'talk':
      return state.pushToTalk ? { ...state, muted: !event.held } : state
  }
}

/** Whether the microphone is wanted at all (a request in flight or a live call). */
export const wantsMicrophone = (state: VoiceMachine): boolean =>
  state.status === 'requesting' || state.status === 'on'

/** Maps a getUserMedia rejection (a DOMException by name) to what we tell the person. */
export function errorKindOf(error: unknown): VoiceErrorKind {
  const name = typeof error === 'object' && error !== null ? (error as { name?: unknown }).name : ''
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return 'denied'
    case 'NotFoundError':
    case 'OverconstrainedError':
      return 'no-device'
    case 'NotReadableError':
    case 'AbortError':
      return 'busy'
    default:
      return 'failed'
  }
}

export const VOICE_ERROR_MESSAGES: Record<VoiceErrorKind, string> = {
  denied:
    'Microphone permission was denied. Allow the microphone for this site (the icon in the address bar) and press Join voice again. Drawing works without it.',
  'no-device':
    'No microphone found. Plug one in (or pick another in the list) and press Join voice again.',
  busy: 'The microphone could not be opened: another application may be using it.',
  unplugged: 'Your microphone was disconnected, so you left voice. Plug it in and join again.',
  unsupported:
    'This browser cannot capture audio here (voice needs https or localhost and a recent browser).',
  failed: 'The microphone could not be started.',
}
