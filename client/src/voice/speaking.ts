/**
 * Speaking detection from audio levels: pure functions and a small detector with hysteresis,
 * so a ring neither flickers on every syllable nor lights up for a click. Time is passed in.
 */

/** Root mean square of time-domain samples in [-1, 1]: 0 for silence, ~0.707 for a full sine. */
export function rmsLevel(samples: ArrayLike<number>): number {
  if (samples.length === 0) return 0
  let sum = 0
  for (let i = 0; i < samples.length; i++) {
    const sample = samples[i] ?? 0
    sum += sample * sample
  }
  return Math.sqrt(sum / samples.length)
}

export interface SpeakingOptions {
  /** Levels at or above this (RMS) count as voice; ~-34 dBFS, quiet speech near a laptop mic. */
  onLevel: number
  /** Below this the voice has stopped; between the two the state holds (hysteresis). */
  offLevel: number
  /** Voice must last this long to turn speaking on: a click or a bump stays dark. */
  attackMs: number
  /** Quiet must last this long to turn speaking off: pauses between words keep the ring. */
  holdMs: number
}

export const DEFAULT_SPEAKING: SpeakingOptions = {
  onLevel: 0.02,
  offLevel: 0.01,
  // Two consecutive loud readings 50 ms apart (the meter's rate): a syllable, not a click.
  attackMs: 40,
  holdMs: 400,
}

export class SpeakingDetector {
  readonly #options: SpeakingOptions
  #speaking = false
  #loudSince: number | null = null
  #quietSince: number | null = null

  constructor(options: Partial<SpeakingOptions> = {}) {
    this.#options = { ...DEFAULT_SPEAKING, ...options }
  }

  get speaking(): boolean {
    return this.#speaking
  }

  /** Feeds one level measured at `now` (ms); returns whether the person is speaking. */
  update(level: number, now: number): boolean {
    const { onLevel, offLevel, attackMs, holdMs } = this.#options
    const loud = level >= onLevel
    const quiet = level < offLevel
    this.#loudSince = loud ? (this.#loudSince ?? now) : null
    this.#quietSince = quiet ? (this.#quietSince ?? now) : null
    if (!this.#speaking && this.#loudSince !== null && now - this.#loudSince >= attackMs) {
      this.#speaking = true
    } else if (this.#speaking && this.#quietSince !== null && now - this.#quietSince >= holdMs) {
      this.#speaking = false
    }
    return this.#speaking
  }

  reset(): void {
    this.#speaking = false
    this.#loudSince = null
    this.#quietSince = null
  }
}
