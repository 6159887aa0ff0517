/**
 * TURN credentials from the real signaling server, checked by a real coturn: what `join`
 * hands out allocates a relay; expired, tampered or wrongly signed credentials get 401.
 */
import { createHmac } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { IceServer } from '../../shared/signaling.js'
import { startCoturn, type Coturn } from '../helpers/coturn'
import { allocate, openAllocation } from '../helpers/turn-client'
import { joinOk, startServer, until, type TestServer } from './harness'

let coturn: Coturn
const servers: TestServer[] = []

beforeAll(async () => {
  coturn = await startCoturn()
})

afterAll(async () => {
  for (const server of servers) await server.close()
  await coturn?.stop()
})

async function credentialsFrom(options: {
  secret?: string
  ttlSeconds?: number
  now?: () => number
}): Promise<{ username: string; credential: string }> {
  const server = await startServer(
    {
      turnUrls: [coturn.url],
      turnSecret: options.secret ?? coturn.secret,
      turnTtlSeconds: options.ttlSeconds ?? 3600,
    },
    options.now === undefined ? {} : { now: options.now },
  )
  servers.push(server)
  const answer = await joinOk(await server.connect(), { room: 'board' })
  const turn = answer.iceServers.find((entry: IceServer) => entry.username !== undefined)
  if (turn?.username === undefined || turn.credential === undefined) {
    throw new Error('join answered without TURN credentials')
  }
  expect(turn.urls).toEqual([coturn.url])
  return { username: turn.username, credential: turn.credential }
}

describe('TURN credentials against a real coturn', () => {
  it('allocates a relay with the credentials join hands out', async () => {
    const { username, credential } = await credentialsFrom({})
    const result = await allocate(coturn, username, credential)
    expect(result).toMatchObject({ ok: true, relayed: { family: 0x01 } })
  })

  it('refuses credentials whose expiry has passed (401)', async () => {
    // Issued two hours ago with a one-hour lifetime.
    const { username, credential } = await credentialsFrom({
      ttlSeconds: 3600,
      now: () => Date.now() - 2 * 3600 * 1000,
    })
    expect(Number(username.split(':')[0])).toBeLessThan(Date.now() / 1000)
    expect(await allocate(coturn, username, credential)).toMatchObject({ ok: false, code: 401 })
  })

  it('refuses credentials signed with another secret (401)', async () => {
    const { username, credential } = await credentialsFrom({ secret: 'not-the-coturn-secret' })
    expect(await allocate(coturn, username, credential)).toMatchObject({ ok: false, code: 401 })
  })

  it('refuses a username whose expiry was pushed out without re-signing (401)', async () => {
    const { username, credential } = await credentialsFrom({ ttlSeconds: 60 })
    const [expiry, peer] = username.split(':')
    const stretched = `${Number(expiry) + 86_400}:${peer}`
    expect(await allocate(coturn, stretched, credential)).toMatchObject({ ok: false, code: 401 })
    // The same stretched username signed with the right secret would pass: the HMAC is the lock.
    const resigned = createHmac('sha1', coturn.secret).update(stretched).digest('base64')
    expect(await allocate(coturn, stretched, resigned)).toMatchObject({ ok: true })
  })
})

describe('credential expiry', () => {
  it('bounds new allocations only: a running allocation still refreshes after its expiry', async () => {
    const username = `${Math.floor(Date.now() / 1000) + 2}:expiring-peer-aaaaaaaaaaaaa`
    const credential = createHmac('sha1', coturn.secret).update(username).digest('base64')
    const allocation = await openAllocation(coturn, username, credential)
    try {
      expect(allocation.result).toMatchObject({ ok: true })
      const expiry = Number(username.split(':')[0])
      await until(() => Date.now() / 1000 > expiry + 1, 5000)
      // A new allocation with the same credential is refused now... coturn reads a clock its
      // event loop updates about once a second, so on a busy machine it may lag ours: ask
      // again for a few seconds, then the refusal must have come.
      let fresh = await allocate(coturn, username, credential)
      while (fresh.ok && Date.now() / 1000 < expiry + 6) {
        await new Promise((resolve) => setTimeout(resolve, 250))
        fresh = await allocate(coturn, username, credential)
      }
      expect(fresh).toMatchObject({ ok: false, code: 401 })
      // ...but the one that started in time keeps being refreshed.
      expect(await allocation.refresh()).toEqual({ ok: true })
    } finally {
      allocation.close()
    }
  })
})
