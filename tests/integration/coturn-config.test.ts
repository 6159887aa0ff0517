/**
 * The production sample deploy/coturn/turnserver.conf, run by a real coturn (adapted only to
 * listen on loopback, without TLS files): it must refuse to relay to private, loopback and
 * other special addresses (OWASP ASVS 5.0 V17.1.1) and still relay to public ones.
 */
import { createHmac } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ROOT } from '../helpers/server-process'
import { startCoturn, type Coturn } from '../helpers/coturn'
import { openAllocation, type Allocation } from '../helpers/turn-client'

const SECRET = 'production-sample-secret'
let coturn: Coturn
let allocation: Allocation

beforeAll(async () => {
  const sample = readFileSync(`${ROOT}/deploy/coturn/turnserver.conf`, 'utf8')
  const settings = sample
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    // No certificate here: TLS is the one part this test leaves out.
    .filter((line) => !/^(cert|pkey|tls-listening-port|log-file)=/.test(line))
    .map((line) => line.replace(/^static-auth-secret=.*/, `static-auth-secret=${SECRET}`))
    .map((line) => line.replace(/<[^>]+>/g, 'turn.peerboard.test'))
  expect(settings).toContain('use-auth-secret')
  expect(settings).not.toContain('allow-loopback-peers')
  coturn = await startCoturn(SECRET, [...settings, 'no-tls'])
  const username = `${Math.floor(Date.now() / 1000) + 600}:config-test-peer-aaaaaaa`
  const credential = createHmac('sha1', SECRET).update(username).digest('base64')
  allocation = await openAllocation(coturn, username, credential)
  expect(allocation.result).toMatchObject({ ok: true })
})

afterAll(async () => {
  allocation?.close()
  await coturn?.stop()
})

describe('the production coturn sample', () => {
  it.each([
    ['loopback', '127.0.0.1'],
    ['loopback, elsewhere in 127/8', '127.1.2.3'],
    ['10/8', '10.0.0.5'],
    ['172.16/12', '172.20.1.1'],
    ['192.168/16', '192.168.1.1'],
    ['link-local and cloud metadata', '169.254.169.254'],
    ['carrier-grade NAT', '100.64.0.1'],
    ['this network', '0.0.0.1'],
    ['multicast', '224.0.0.251'],
  ])('refuses to relay to %s (%s) with 403', async (_label, ip) => {
    expect(await allocation.permit(ip)).toEqual({ ok: false, code: 403 })
  })

  // A deny list that is too broad fails silently in production: TURN-only users never connect.
  it.each(['8.8.8.8', '1.1.1.1', '93.184.216.34', '151.101.1.69'])(
    'relays to the public address %s',
    async (ip) => {
      expect(await allocation.permit(ip)).toEqual({ ok: true })
    },
  )

  it('runs without a CLI and with quotas', () => {
    expect(coturn.output()).toMatch(/bytes per second allowed per session/)
    expect(coturn.output()).not.toMatch(/CONFIG ERROR/)
  })
})
