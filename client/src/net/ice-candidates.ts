/**
 * Which of our ICE candidates are worth signaling. Browsers gather TCP host candidates of type
 * `active` (port 9): they only dial out, to a remote `passive` TCP candidate. Our own ICE agent
 * pairs them with the remote's passive candidates whether or not the remote knows them, and a
 * remote that receives a check over such a connection learns the candidate then (peer
 * reflexive). Signaling them adds a second burst of messages about 100 ms after the UDP
 * candidates (half of all candidate messages), and as many addIceCandidate calls and pairs on
 * the other side, for nothing: two browsers never pair active with active.
 */
export function worthSignaling(data: Record<string, unknown>): boolean {
  const candidate = data.candidate
  if (typeof candidate !== 'object' || candidate === null) return true
  const line = (candidate as { candidate?: unknown }).candidate
  return !(typeof line === 'string' && / tcptype active(?: |$)/.test(line))
}
