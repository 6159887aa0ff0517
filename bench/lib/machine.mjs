/** What every benchmark summary records about the machine it ran on. */
import os from 'node:os'
import { chromiumPriority } from './browser.mjs'

export function machineFacts() {
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? null,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    platform: `${os.platform()} ${os.release()}`,
    node: process.version,
    chromiumThreads: chromiumPriority(),
  }
}
