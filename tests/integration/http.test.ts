import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  ASSET_JS,
  INDEX_HTML,
  SECRET_MARKER,
  rawRequest,
  startServer,
  type TestServer,
} from './harness.js'

let server: TestServer

beforeAll(async () => {
  server = await startServer()
})

afterAll(async () => {
  await server.close()
})

describe('HTTP', () => {
  it('serves index.html at / without caching it blindly', async () => {
    const response = await fetch(`${server.url}/`)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(response.headers.get('cache-control')).toBe('no-cache')
    expect(response.headers.get('x-content-type-options')).toBe('nosniff')
    expect(await response.text()).toBe(INDEX_HTML)
  })

  it('falls back to index.html for client routes without an extension', async () => {
    const response = await fetch(`${server.url}/boards/abc-123`)
    expect(response.status).toBe(200)
    expect(await response.text()).toBe(INDEX_HTML)
  })

  it('serves hashed assets as immutable with their content type', async () => {
    const response = await fetch(`${server.url}/assets/app-1a2b3c.js`)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
    expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
    expect(await response.text()).toBe(ASSET_JS)
  })

  it('answers 404 for missing files with an extension', async () => {
    const response = await fetch(`${server.url}/assets/missing.js`)
    expect(response.status).toBe(404)
    expect(await response.text()).not.toContain(INDEX_HTML)
  })

  it.each([
    '/../package.json',
    '/..%2Fpackage.json',
    '/%2e%2e/package.json',
    '/assets/..%2F..%2Fpackage.json',
  ])('blocks traversal via %s', async (path) => {
    const response = await rawRequest(server.url, path)
    expect(response.status).toBe(404)
    expect(response.body).not.toContain(SECRET_MARKER)
  })

  it('answers /healthz', async () => {
    const response = await fetch(`${server.url}/healthz`)
    expect(response.status).toBe(200)
    expect(await response.text()).toBe('ok')
  })

  it('allows only GET and HEAD', async () => {
    const head = await rawRequest(server.url, '/', 'HEAD')
    expect(head.status).toBe(200)
    expect(head.body).toBe('')
    expect(head.headers['content-length']).toBe(`${INDEX_HTML.length}`)
    const post = await rawRequest(server.url, '/', 'POST')
    expect(post.status).toBe(405)
    expect(post.headers.allow).toBe('GET, HEAD')
  })
})
