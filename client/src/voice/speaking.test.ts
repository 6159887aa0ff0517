import { describe, expect, it } from 'vitest'
import { rmsLevel, SpeakingDetector } from './speaking'

const RATE = 48_000
const FRAME = 512

/** One analyser frame of a sine at `amplitude`, optionally with uniform noise. */
function sine(amplitude: number, frequency = 220, noise = 0, offset = 0): Float32Array {
  const out = new Float32Array(FRAME)
  for (let i = 0; i < FRAME; i++) {
    const t = (offset + i) / RATE
    out[i] = amplitude * Math.sin(2 * Math.PI * frequency * t) + noise * (Math.random() * 2 - 1)
  }
  return out
}

/** Feeds frames every 50 ms from `start`; returns the detector's answer after each. */
function feed(detector: SpeakingDetector, levels: number[], start = 0): boolean[] {
  return levels.map((level, i) => detector.update(level, start + i * 50))
}

describe('rmsLevel', () => {
  it('is 0 for silence and amplitude/√2 for a sine', () => {
    expect(rmsLevel(new Float32Array(FRAME))).toBe(0)
    expect(rmsLevel([])).toBe(0)
    expect(rmsLevel(sine(0.5, 1000))).toBeCloseTo(0.5 / Math.SQRT2, 2)
  })

  it('measures low background noise well under the speaking threshold', () => {
    expect(rmsLevel(sine(0, 220, 0.005))).toBeLessThan(0.01)
  })
})

describe('SpeakingDetector', () => {
  it('turns on after the attack time of voice, not on one loud frame', () => {
    const detector = new SpeakingDetector({ attackMs: 100 })
    const loud = rmsLevel(sine(0.2))
    const quiet = rmsLevel(sine(0.001))
    expect(feed(detector, [loud, quiet, quiet])).toEqual([false, false, false])
    expect(feed(detector, [loud, loud, loud], 1000)).toEqual([false, false, true])
  })

  it('holds through short pauses and turns off after the hold time of quiet', () => {
    const detector = new SpeakingDetector({ attackMs: 0, holdMs: 300 })
    const loud = rmsLevel(sine(0.3, 180, 0.02))
    const silent = rmsLevel(new Float32Array(FRAME))
    expect(detector.update(loud, 0)).toBe(true)
    // 200 ms of pause between words keeps the ring on.
    expect(feed(detector, [silent, silent, silent, silent, silent], 50)).toEqual([
      true,
      true,
      true,
      true,
      true,
    ])
    expect(detector.update(loud, 300)).toBe(true)
    expect(feed(detector, Array(8).fill(silent), 350).at(-1)).toBe(false)
  })

  it('keeps its state between the two thresholds (hysteresis)', () => {
    const detector = new SpeakingDetector({ onLevel: 0.05, offLevel: 0.01, attackMs: 0, holdMs: 0 })
    expect(detector.update(0.03, 0)).toBe(false)
    expect(detector.update(0.06, 10)).toBe(true)
    // Between off and on for a long time: still speaking.
    expect(feed(detector, Array(20).fill(0.03), 20).every(Boolean)).toBe(true)
    expect(detector.update(0.005, 2000)).toBe(false)
    expect(detector.update(0.03, 2010)).toBe(false)
  })

  it('follows a synthetic talk spurt: syllables with gaps, then silence', () => {
    const detector = new SpeakingDetector()
    const frames: number[] = []
    // 1.5 s of 150 ms syllables and 100 ms gaps, then 1 s of room noise.
    for (let t = 0; t < 1500; t += 50)
      frames.push(t % 250 < 150 ? rmsLevel(sine(0.15, 200, 0.01)) : 0.004)
    for (let t = 0; t < 1000; t += 50) frames.push(rmsLevel(sine(0, 200, 0.004)))
    const out = feed(detector, frames)
    const firstOn = out.indexOf(true)
    expect(firstOn).toBeGreaterThan(0)
    expect(firstOn * 50).toBeLessThanOrEqual(100)
    // Continuously on from the first syllable to the end of speech.
    expect(out.slice(firstOn, 30).every(Boolean)).toBe(true)
    expect(out.at(-1)).toBe(false)
  })

  it('at the 50 ms meter rate: an 80 ms beep lights up, a 30 ms click does not', () => {
    const sampleAt = (loudFrom: number, loudTo: number) => {
      const detector = new SpeakingDetector()
      let on = false
      for (let t = 0; t < 1000; t += 50) {
        on ||= detector.update(t >= loudFrom && t < loudTo ? 0.3 : 0, t)
      }
      return on
    }
    expect(sampleAt(200, 280)).toBe(true)
    expect(sampleAt(200, 230)).toBe(false)
  })

  it('resets to silent', () => {
    const detector = new SpeakingDetector({ attackMs: 0 })
    detector.update(1, 0)
    detector.reset()
    expect(detector.speaking).toBe(false)
  })
})
