/**
 * Which pages may open a signaling socket, and who the client is. WebSockets are not covered by
 * CORS, so without this check any site a visitor opens could use their browser to join boards
 * and relay through this server.
 */
import type http from 'node:http'

/**
 * `allowed` null means same origin: the Origin header's host must equal the Host header (what
 * the browser connected to). Otherwise the Origin must be in the list, or the list is `['*']`.
 *
 * Without an Origin header the request is allowed: every browser sends Origin on WebSocket and
 * cross-origin requests, so its absence means a non-browser client, which could send any Origin
 * it liked anyway. The check protects visitors' browsers, not the server; the caps and rate
 * limits protect the server.
 */
export function originAllowed(
  origin: string | undefined,
  host: string | undefined,
  allowed: readonly string[] | null,
): boolean {
  if (origin === undefined) return true
  if (allowed !== null) return allowed.includes('*') || allowed.includes(normalizeOrigin(origin))
  if (host === undefined) return false
  try {
    const url = new URL(origin)
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return false
    // URL drops a default port (:80, :443), so compare against the Host header the same way.
    return url.host === new URL(`${url.protocol}//${host}`).host
  } catch {
    return false
  }
}

/** `https://Example.com:443/` and `https://example.com` are the same origin. */
export function normalizeOrigin(origin: string): string {
  try {
    const url = new URL(origin)
    return url.origin
  } catch {
    return origin
  }
}

/**
 * The client's address. Behind a reverse proxy every connection comes from the proxy, so with
 * `trustProxy` the last X-Forwarded-For entry (the one our proxy appended; earlier ones are
 * whatever the client claimed) is used instead.
 */
export function clientAddress(req: http.IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const header = req.headers['x-forwarded-for']
    const value = Array.isArray(header) ? header.at(-1) : header
    const last = value
      ?.split(',')
      .map((part) => part.trim())
      .filter((part) => part !== '')
      .at(-1)
    if (last !== undefined) return last
  }
  return req.socket.remoteAddress ?? 'unknown'
}
