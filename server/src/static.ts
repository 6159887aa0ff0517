import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import type http from 'node:http'
import { extname, join, resolve, sep } from 'node:path'
import { silentLogger, type Logger } from './logger.js'

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
}

// Vite puts content-hashed names under /assets, so they can be cached forever; index.html names
// them and must be revalidated on every load to pick up a new build.
const IMMUTABLE = 'public, max-age=31536000, immutable'
const REVALIDATE = 'no-cache'

/**
 * Serves the built client from `clientDir` (read on every request, so a rebuild needs no
 * restart) with an SPA fallback, plus `/healthz`. Socket.IO intercepts `/socket.io/` before this.
 */
export function createStaticHandler(
  clientDir: string,
  logger: Logger = silentLogger,
): http.RequestListener {
  const root = resolve(clientDir)
  const indexFile = join(root, 'index.html')

  const serve = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    res.setHeader('X-Content-Type-Options', 'nosniff')
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD')
      return sendText(res, req, 405, 'method not allowed')
    }
    const pathname = decodePath(req.url)
    if (pathname === undefined) return sendText(res, req, 400, 'bad request')
    if (pathname === '/healthz') {
      res.setHeader('Cache-Control', 'no-store')
      return sendText(res, req, 200, 'ok')
    }

    // The prefix check, not the URL parser, is the guard: %2F survives parsing as a literal `/`.
    const file = resolve(root, `.${pathname}`)
    if (file !== root && !file.startsWith(root + sep)) return sendText(res, req, 404, 'not found')

    const size = file === root ? undefined : await fileSize(file)
    if (size !== undefined) {
      const cache = pathname.startsWith('/assets/') ? IMMUTABLE : REVALIDATE
      return sendFile(res, req, file, size, cache)
    }
    if (pathname !== '/' && extname(pathname) !== '') return sendText(res, req, 404, 'not found')

    // Client-side routes have no extension and all load the app shell.
    const indexSize = await fileSize(indexFile)
    if (indexSize === undefined) {
      return sendText(res, req, 503, 'client not built: run npm run build')
    }
    return sendFile(res, req, indexFile, indexSize, REVALIDATE)
  }

  return (req, res) => {
    serve(req, res).catch((error: unknown) => {
      logger.error('static request failed', { error })
      if (!res.headersSent) sendText(res, req, 500, 'internal error')
      else res.destroy()
    })
  }
}

function decodePath(url: string | undefined): string | undefined {
  try {
    const pathname = decodeURIComponent(new URL(url ?? '/', 'http://localhost').pathname)
    return pathname.includes('\0') ? undefined : pathname
  } catch {
    return undefined
  }
}

async function fileSize(file: string): Promise<number | undefined> {
  try {
    const info = await stat(file)
    return info.isFile() ? info.size : undefined
  } catch {
    return undefined
  }
}

function sendFile(
  res: http.ServerResponse,
  req: http.IncomingMessage,
  file: string,
  size: number,
  cacheControl: string,
): void {
  res.statusCode = 200
  res.setHeader(
    'Content-Type',
    CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
  )
  res.setHeader('Content-Length', size)
  res.setHeader('Cache-Control', cacheControl)
  if (req.method === 'HEAD') {
    res.end()
    return
  }
  const stream = createReadStream(file)
  stream.on('error', () => {
    if (!res.headersSent) sendText(res, req, 500, 'internal error')
    else res.destroy()
  })
  stream.pipe(res)
}

function sendText(
  res: http.ServerResponse,
  req: http.IncomingMessage,
  status: number,
  body: string,
): void {
  res.statusCode = status
  res.setHeader('Content-Type', 'text/plain; charset=utf-8')
  res.setHeader('Content-Length', Buffer.byteLength(body))
  res.end(req.method === 'HEAD' ? undefined : body)
}
