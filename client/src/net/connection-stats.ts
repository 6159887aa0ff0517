/**
 * What the Connection panel shows for one peer, derived from an RTCStatsReport: plain data in,
 * plain data out, so it is tested with recorded reports and no browser.
 */

export type CandidateType = 'host' | 'srflx' | 'prflx' | 'relay'

export interface ConnectionView {
  iceState: RTCIceConnectionState | 'none'
  /** Candidate types of the selected pair, e.g. `host ↔ host`; null before one is chosen. */
  local: CandidateType | null
  remote: CandidateType | null
  /** Seconds → milliseconds, rounded; null until measured. */
  rttMs: number | null
  bytesSent: number
  bytesReceived: number
  /** Which kinds of candidates we gathered: the clue when ICE fails. */
  gathered: CandidateType[]
  /** A sentence for people when the peer cannot be reached, else null. */
  hint: string | null
}

/** One entry of an RTCStatsReport, as far as we read it. */
export type StatsEntry = { id: string; type: string } & Record<string, unknown>

const CANDIDATE_TYPES: readonly string[] = ['host', 'srflx', 'prflx', 'relay']

function candidateType(value: unknown): CandidateType | null {
  return typeof value === 'string' && CANDIDATE_TYPES.includes(value)
    ? (value as CandidateType)
    : null
}

const number = (value: unknown): number =>
  typeof value === 'number' && Number.isFinite(value) ? value : 0

export function connectionView(
  entries: Iterable<StatsEntry>,
  iceState: RTCIceConnectionState | 'none',
): ConnectionView {
  const byId = new Map<string, StatsEntry>()
  for (const entry of entries) byId.set(entry.id, entry)
  const all = [...byId.values()]

  // The transport names the selected pair; older reports only flag it on the pair itself.
  const transport = all.find((entry) => entry.type === 'transport')
  const selectedId = transport?.selectedCandidatePairId
  let pair = typeof selectedId === 'string' ? byId.get(selectedId) : undefined
  pair ??= all.find(
    (entry) =>
      entry.type === 'candidate-pair' && entry.selected === true && entry.state === 'succeeded',
  )
  pair ??= all.find(
    (entry) =>
      entry.type === 'candidate-pair' && entry.nominated === true && entry.state === 'succeeded',
  )
  const local = pair ? byId.get(String(pair.localCandidateId)) : undefined
  const remote = pair ? byId.get(String(pair.remoteCandidateId)) : undefined
  const rtt = pair?.currentRoundTripTime

  const gathered = new Set<CandidateType>()
  for (const entry of all) {
    if (entry.type !== 'local-candidate') continue
    const type = candidateType(entry.candidateType)
    if (type) gathered.add(type)
  }
  const ordered = CANDIDATE_TYPES.filter((type) => gathered.has(type as CandidateType))

  return {
    iceState,
    local: candidateType(local?.candidateType),
    remote: candidateType(remote?.candidateType),
    rttMs: typeof rtt === 'number' && Number.isFinite(rtt) ? Math.round(rtt * 1000) : null,
    bytesSent: number(transport?.bytesSent ?? pair?.bytesSent),
    bytesReceived: number(transport?.bytesReceived ?? pair?.bytesReceived),
    gathered: ordered as CandidateType[],
    hint: hintFor(iceState, gathered),
  }
}

function hintFor(
  iceState: ConnectionView['iceState'],
  gathered: Set<CandidateType>,
): string | null {
  if (iceState === 'failed') {
    if (gathered.has('relay')) return 'Cannot reach this peer, even through the TURN relay.'
    return 'Cannot reach this peer directly (a firewall or NAT in the way): it needs a TURN server.'
  }
  if (iceState === 'disconnected') return 'Connection interrupted: trying to restore it.'
  return null
}

/** `1536` → `1.5 KB`: short enough for a table cell. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  const units = ['KB', 'MB', 'GB']
  let value = bytes / 1024
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`
}

/** Reads a live connection's stats into entries for connectionView. */
export async function readStats(connection: RTCPeerConnection): Promise<StatsEntry[]> {
  const report = await connection.getStats()
  const entries: StatsEntry[] = []
  report.forEach((value: StatsEntry) => entries.push(value))
  return entries
}
