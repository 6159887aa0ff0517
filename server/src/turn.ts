import { createHmac } from 'node:crypto'
import type { IceServer } from '../../shared/signaling.js'
import type { ServerConfig } from './config.js'

type IceConfig = Pick<ServerConfig, 'stunUrls' | 'turnUrls' | 'turnSecret' | 'turnTtlSeconds'>

/**
 * ICE servers for one peer. TURN credentials follow coturn's `use-auth-secret` REST scheme:
 * coturn recomputes the HMAC from the shared secret, so the server stores nothing per peer and a
 * leaked credential expires on its own.
 */
export function iceServersFor(config: IceConfig, peerId: string, nowMs: number): IceServer[] {
  const servers: IceServer[] = []
  if (config.stunUrls.length > 0) servers.push({ urls: config.stunUrls })
  if (config.turnUrls.length > 0 && config.turnSecret !== undefined) {
    const expiry = Math.floor(nowMs / 1000) + config.turnTtlSeconds
    const username = `${expiry}:${peerId}`
    const credential = createHmac('sha1', config.turnSecret).update(username).digest('base64')
    servers.push({ urls: config.turnUrls, username, credential })
  }
  return servers
}
