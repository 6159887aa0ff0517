/**
 * The floor for `npm run bench:server`: a bare Socket.IO relay speaking the same join/signal
 * events as Peerboard, with no validation, no limits, no registry beyond a Map, no logging.
 * Same Socket.IO version and ping settings, so the difference is what Peerboard adds.
 *
 *   PORT=<port> node bench/server/floor.mjs
 */
import http from 'node:http'
import { Server } from 'socket.io'

const server = http.createServer((_req, res) => res.end('ok'))
const io = new Server(server, { serveClient: false, pingInterval: 10_000, pingTimeout: 5_000 })
/** @type {Map<string, Set<string>>} */
const rooms = new Map()

io.on('connection', (socket) => {
  /** @type {string | null} */
  let joined = null
  socket.on('join', ({ room }, ack) => {
    let members = rooms.get(room)
    if (!members) rooms.set(room, (members = new Set()))
    const peers = [...members]
    members.add(socket.id)
    joined = room
    for (const peer of peers) io.sockets.sockets.get(peer)?.emit('peer-joined', { peer: socket.id })
    ack({ ok: true, self: socket.id, peers, iceServers: [], maxPeers: 8 })
  })
  socket.on('signal', ({ to, data }, ack) => {
    io.sockets.sockets.get(to)?.emit('signal', { from: socket.id, data })
    ack({ ok: true })
  })
  socket.on('disconnect', () => {
    if (joined === null) return
    const members = rooms.get(joined)
    members?.delete(socket.id)
    if (members?.size === 0) rooms.delete(joined)
  })
})

server.listen(Number(process.env.PORT), '127.0.0.1')
process.on('SIGTERM', () => process.exit(0))
