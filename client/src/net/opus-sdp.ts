/**
 * Opus settings written into our own SDP (offer and answer). In an SDP, Opus format parameters
 * tell the other side how we want to receive, and Chromium's encoder follows the remote
 * description: each side asks the other for DTX and in-band FEC, mono, ~32 kbit/s.
 * See docs/PROTOCOL.md, "Audio".
 */
export const OPUS_PARAMETERS: Readonly<Record<string, string>> = {
  // Silence (and a muted microphone) costs almost nothing on a mesh of up to 7 uplinks.
  usedtx: '1',
  // A lost packet is rebuilt from the next one instead of waiting for a retransmission.
  useinbandfec: '1',
  // Speech: one channel, and a cap that keeps 7 outgoing copies under ~250 kbit/s.
  stereo: '0',
  'sprop-stereo': '0',
  maxaveragebitrate: '32000',
}

/** Sets `parameters` on the a=fmtp line of every opus payload type; other lines pass through. */
export function tuneOpus(
  sdp: string,
  parameters: Readonly<Record<string, string>> = OPUS_PARAMETERS,
): string {
  const eol = sdp.includes('\r\n') ? '\r\n' : '\n'
  const lines = sdp.split(eol)
  const opus = new Set<string>()
  for (const line of lines) {
    const match = /^a=rtpmap:(\d+) opus\/48000/i.exec(line)
    if (match?.[1]) opus.add(match[1])
  }
  const withFmtp = new Set<string>()
  const out = lines.map((line) => {
    const match = /^a=fmtp:(\d+) (.*)$/.exec(line)
    if (!match?.[1] || !opus.has(match[1])) return line
    withFmtp.add(match[1])
    return `a=fmtp:${match[1]} ${mergeParameters(match[2] ?? '', parameters)}`
  })
  // An opus payload without an fmtp line gets one right after its rtpmap line.
  const missing = [...opus].filter((pt) => !withFmtp.has(pt))
  if (missing.length === 0) return out.join(eol)
  return out
    .flatMap((line) => {
      const match = /^a=rtpmap:(\d+) /.exec(line)
      if (!match?.[1] || !missing.includes(match[1])) return [line]
      return [line, `a=fmtp:${match[1]} ${mergeParameters('', parameters)}`]
    })
    .join(eol)
}

function mergeParameters(existing: string, parameters: Readonly<Record<string, string>>): string {
  const merged = new Map<string, string>()
  for (const part of existing.split(';')) {
    const [key, ...value] = part.trim().split('=')
    if (key) merged.set(key, value.join('='))
  }
  for (const [key, value] of Object.entries(parameters)) merged.set(key, value)
  return [...merged].map(([key, value]) => (value === '' ? key : `${key}=${value}`)).join(';')
}
