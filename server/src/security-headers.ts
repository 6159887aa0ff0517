/**
 * Response headers that keep the served client to what it uses. The app is one origin's
 * scripts and styles plus a WebSocket back to the same origin; WebRTC is not governed by CSP.
 */
import type http from 'node:http'

// Hosts are letters, digits, dots, dashes, an optional port or an IPv6 literal; anything else
// in a Host header must not be echoed into a policy.
const SAFE_HOST = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/

/**
 * The Content-Security-Policy. `connect-src 'self'` covers ws(s): to the same host in CSP 3
 * browsers; the explicit ws:/wss: sources serve older ones (Safari before 15.4).
 * - `style-src 'self'`: Vite extracts Svelte's component CSS into a file, and Svelte sets
 *   `style:` directives through the CSSOM (`style.cssText`), which CSP does not restrict.
 * - `img-src blob: data:`: importing a PNG board decodes it through an object URL; exports
 *   render to canvas and download via a blob: link (downloads are not subject to CSP).
 * - `media-src`: remote voice plays from MediaStreams set as `srcObject`, which CSP does not
 *   cover; blob: and mediastream: are allowed for browsers that still route them as URLs.
 */
export function contentSecurityPolicy(host: string | undefined): string {
  const sockets = host !== undefined && SAFE_HOST.test(host) ? ` ws://${host} wss://${host}` : ''
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    `connect-src 'self'${sockets}`,
    "img-src 'self' blob: data:",
    "media-src 'self' blob: mediastream:",
    "font-src 'self'",
    "manifest-src 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "object-src 'none'",
  ].join('; ')
}

export function setSecurityHeaders(req: http.IncomingMessage, res: http.ServerResponse): void {
  res.setHeader('Content-Security-Policy', contentSecurityPolicy(req.headers.host))
  res.setHeader('X-Content-Type-Options', 'nosniff')
  res.setHeader('Referrer-Policy', 'no-referrer')
  // For browsers without CSP frame-ancestors.
  res.setHeader('X-Frame-Options', 'DENY')
  // A board link's key lives in the fragment; no other window should get a handle on the page.
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin')
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin')
  // Voice needs the microphone; nothing needs the camera, location or payment APIs.
  res.setHeader(
    'Permissions-Policy',
    'microphone=(self), camera=(), geolocation=(), payment=(), usb=()',
  )
}
