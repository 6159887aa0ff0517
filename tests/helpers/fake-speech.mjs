/**
 * A speech-like microphone signal for Chromium's fake capture device
 * (`--use-file-for-fake-audio-capture`). The device's own beep lasts about 20 ms: a click to a
 * speaking detector, which (rightly) waits for a syllable. These are syllables: voiced bursts
 * of 180-320 ms with a gliding pitch and harmonics, so noise suppression keeps them, and pauses
 * between them, so muting and silence remain observable. Deterministic (fixed seed).
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const RATE = 48_000

/** @returns {Int16Array} `seconds` of mono samples at 48 kHz */
export function fakeSpeechSamples(seconds = 6) {
  const samples = new Int16Array(Math.round(seconds * RATE))
  let seed = 7
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648
    return seed / 2_147_483_648
  }
  let at = 0
  while (at < samples.length) {
    const length = Math.round((0.18 + random() * 0.14) * RATE)
    const pitch = 110 + random() * 90
    const glide = (random() - 0.5) * 60
    let phase = 0
    for (let i = 0; i < length && at + i < samples.length; i++) {
      const t = i / length
      phase += (2 * Math.PI * (pitch + glide * t)) / RATE
      const envelope = Math.sin(Math.PI * t) ** 0.5
      let value = 0
      for (let harmonic = 1; harmonic <= 6; harmonic++)
        value += Math.sin(harmonic * phase) / harmonic
      samples[at + i] = Math.round(envelope * value * 0.25 * 32_767)
    }
    at += length + Math.round((0.12 + random() * 0.2) * RATE)
  }
  return samples
}

/** @returns {Uint8Array} a 16-bit PCM mono WAV file */
export function wavFile(samples) {
  const bytes = new Uint8Array(44 + samples.length * 2)
  const view = new DataView(bytes.buffer)
  const ascii = (offset, text) =>
    [...text].forEach((c, i) => view.setUint8(offset + i, c.charCodeAt(0)))
  ascii(0, 'RIFF')
  view.setUint32(4, 36 + samples.length * 2, true)
  ascii(8, 'WAVE')
  ascii(12, 'fmt ')
  view.setUint32(16, 16, true)
  view.setUint16(20, 1, true) // PCM
  view.setUint16(22, 1, true) // mono
  view.setUint32(24, RATE, true)
  view.setUint32(28, RATE * 2, true)
  view.setUint16(32, 2, true)
  view.setUint16(34, 16, true)
  ascii(36, 'data')
  view.setUint32(40, samples.length * 2, true)
  samples.forEach((sample, i) => view.setInt16(44 + i * 2, sample, true))
  return bytes
}

/** Writes the signal to a fresh temporary file; @returns {string[]} the Chromium flags for it */
export function fakeSpeechArgs() {
  const file = join(mkdtempSync(join(tmpdir(), 'peerboard-speech-')), 'speech.wav')
  writeFileSync(file, wavFile(fakeSpeechSamples()))
  return [`--use-file-for-fake-audio-capture=${file}`]
}
