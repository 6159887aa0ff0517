import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createStaticHandler } from './static.js'

let dir: string
let server: http.Server
let base: string

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'peerboard-static-'))
  server = http.createServer(createStaticHandler(dir))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterEach(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
  rmSync(dir, { recursive: true, force: true })
})

describe('createStaticHandler', () => {
  it('explains a missing build with 503 instead of a bare 404', async () => {
    for (const path of ['/', '/some/route']) {
      const response = await fetch(base + path)
      expect(response.status).toBe(503)
      expect(await response.text()).toBe('client not built: run npm run build')
    }
    expect((await fetch(`${base}/healthz`)).status).toBe(200)
  })

  it('picks up a build made after start', async () => {
    expect((await fetch(base)).status).toBe(503)
    writeFileSync(join(dir, 'index.html'), 'built')
    expect(await (await fetch(base)).text()).toBe('built')
  })

  it.each([
    ['app.css', 'text/css; charset=utf-8'],
    ['logo.svg', 'image/svg+xml'],
    ['icon.png', 'image/png'],
    ['favicon.ico', 'image/x-icon'],
    ['data.json', 'application/json; charset=utf-8'],
    ['codec.wasm', 'application/wasm'],
    ['site.webmanifest', 'application/manifest+json; charset=utf-8'],
    ['blob.bin', 'application/octet-stream'],
  ])('serves %s as %s', async (name, type) => {
    writeFileSync(join(dir, name), 'x')
    const response = await fetch(`${base}/${name}`)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe(type)
    expect(response.headers.get('x-content-type-options')).toBe('nosniff')
  })

  it('never serves a directory or a request with a NUL byte', async () => {
    writeFileSync(join(dir, 'index.html'), 'shell')
    mkdirSync(join(dir, 'assets'))
    expect(await (await fetch(`${base}/assets`)).text()).toBe('shell')
    expect((await fetch(`${base}/index.html%00.png`)).status).toBe(400)
    expect((await fetch(`${base}/%E0%A4%A`)).status).toBe(400)
  })
})
