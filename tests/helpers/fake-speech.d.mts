export function fakeSpeechSamples(seconds?: number): Int16Array
export function wavFile(samples: Int16Array): Uint8Array
export function fakeSpeechArgs(): string[]
