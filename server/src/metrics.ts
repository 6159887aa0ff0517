/**
 * Signaling metrics in the Prometheus text format (version 0.0.4). A handful of counters, gauges
 * and one histogram do not justify prom-client; this writes the same exposition format.
 */

/** Seconds; relaying is microseconds of work, so the interesting tail is well under 100 ms. */
const RELAY_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.1]

export interface SignalingGauges {
  sockets: number
  rooms: number
  peers: number
}

export class SignalingMetrics {
  readonly #gauges: () => SignalingGauges
  #connections = 0
  #joins = 0
  #relayed = 0
  readonly #rejects = new Map<string, number>()
  readonly #relayCounts = new Array<number>(RELAY_BUCKETS.length).fill(0)
  #relaySum = 0
  #relayCount = 0

  constructor(gauges: () => SignalingGauges) {
    this.#gauges = gauges
  }

  connected(): void {
    this.#connections += 1
  }

  joined(): void {
    this.#joins += 1
  }

  /** One relayed signal and the time the server spent on it, from receipt to emit. */
  relayed(seconds: number): void {
    this.#relayed += 1
    this.#relaySum += seconds
    this.#relayCount += 1
    const bucket = RELAY_BUCKETS.findIndex((bound) => seconds <= bound)
    if (bucket >= 0) this.#relayCounts[bucket] = (this.#relayCounts[bucket] ?? 0) + 1
  }

  /** A refused request or connection; `event` is `connection` for refusals before any event. */
  rejected(event: string, reason: string): void {
    const key = `event="${escapeLabel(event)}",reason="${escapeLabel(reason)}"`
    this.#rejects.set(key, (this.#rejects.get(key) ?? 0) + 1)
  }

  /** Reads, for tests and the benchmark. */
  get rejectCount(): number {
    let total = 0
    for (const count of this.#rejects.values()) total += count
    return total
  }

  render(): string {
    const gauges = this.#gauges()
    const memory = process.memoryUsage()
    const lines: string[] = []
    const metric = (name: string, type: string, help: string, samples: string[]): void => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...samples)
    }
    metric('peerboard_sockets', 'gauge', 'Signaling sockets connected to this node.', [
      `peerboard_sockets ${gauges.sockets}`,
    ])
    metric('peerboard_rooms', 'gauge', 'Rooms with at least one member.', [
      `peerboard_rooms ${gauges.rooms}`,
    ])
    metric('peerboard_peers', 'gauge', 'Peers in a room.', [`peerboard_peers ${gauges.peers}`])
    metric('peerboard_connections_total', 'counter', 'Sockets admitted since start.', [
      `peerboard_connections_total ${this.#connections}`,
    ])
    metric('peerboard_joins_total', 'counter', 'Successful joins.', [
      `peerboard_joins_total ${this.#joins}`,
    ])
    metric('peerboard_signals_relayed_total', 'counter', 'Signals relayed to a peer.', [
      `peerboard_signals_relayed_total ${this.#relayed}`,
    ])
    metric(
      'peerboard_rejects_total',
      'counter',
      'Refused requests and connections by event and reason.',
      [...this.#rejects].map(([labels, count]) => `peerboard_rejects_total{${labels}} ${count}`),
    )
    let cumulative = 0
    const buckets = RELAY_BUCKETS.map((bound, i) => {
      cumulative += this.#relayCounts[i] ?? 0
      return `peerboard_relay_seconds_bucket{le="${bound}"} ${cumulative}`
    })
    metric(
      'peerboard_relay_seconds',
      'histogram',
      'Server time to validate and relay one signal.',
      [
        ...buckets,
        `peerboard_relay_seconds_bucket{le="+Inf"} ${this.#relayCount}`,
        `peerboard_relay_seconds_sum ${this.#relaySum}`,
        `peerboard_relay_seconds_count ${this.#relayCount}`,
      ],
    )
    metric('process_resident_memory_bytes', 'gauge', 'Resident memory size in bytes.', [
      `process_resident_memory_bytes ${memory.rss}`,
    ])
    metric('nodejs_heap_used_bytes', 'gauge', 'V8 heap in use, in bytes.', [
      `nodejs_heap_used_bytes ${memory.heapUsed}`,
    ])
    return `${lines.join('\n')}\n`
  }
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
}
