/**
 * The Connection panel's state: while it is open, each peer's connection stats are read about
 * once a second and turned into view rows; nothing is polled while it is closed.
 */
export { formatBytes } from '../net/connection-stats'
import {
  connectionView,
  readStats,
  type ConnectionView,
  type StatsEntry,
} from '../net/connection-stats'
import type { PeerInfo } from '../net/mesh'

export interface ConnectionSource {
  peers(): PeerInfo[]
  connectionTo(peerId: string): RTCPeerConnection | null
  iceRestarts(peerId: string): number
}

export interface ConnectionRow extends ConnectionView {
  peerId: string
  iceRestarts: number
}

export const STATS_INTERVAL_MS = 1000

export class Connections {
  readonly #source: ConnectionSource
  readonly #read: (connection: RTCPeerConnection) => Promise<StatsEntry[]>
  #timer: ReturnType<typeof setInterval> | null = null
  open = $state(false)
  rows = $state<ConnectionRow[]>([])

  constructor(source: ConnectionSource, read = readStats) {
    this.#source = source
    this.#read = read
  }

  toggle(): void {
    if (this.open) this.close()
    else this.show()
  }

  show(): void {
    this.open = true
    void this.refresh()
    this.#timer ??= setInterval(() => void this.refresh(), STATS_INTERVAL_MS)
  }

  close(): void {
    this.open = false
    if (this.#timer !== null) clearInterval(this.#timer)
    this.#timer = null
  }

  async refresh(): Promise<void> {
    const rows = await Promise.all(
      this.#source.peers().map(async ({ id }) => {
        const connection = this.#source.connectionTo(id)
        // A closed or failed connection still answers getStats; a missing one shows 'none'.
        const entries = connection ? await this.#read(connection).catch(() => []) : []
        const state = connection?.iceConnectionState ?? 'none'
        return {
          peerId: id,
          iceRestarts: this.#source.iceRestarts(id),
          ...connectionView(entries, state),
        }
      }),
    )
    if (this.open) this.rows = rows
  }
}
