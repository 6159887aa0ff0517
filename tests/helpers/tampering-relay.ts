/**
 * A hostile signaling server for tests: it serves the real server's pages and relays the real
 * Socket.IO protocol to it, but tampers with every relayed signal on its way to a peer. It
 * also records every signal payload it sees, as a curious server operator could.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { Server, type Socket as ServerSocket } from 'socket.io'
import { io as connect, type Socket as ClientSocket } from 'socket.io-client'
import type {
  ClientToServerEvents,
  JoinAck,
  ServerToClientEvents,
  SignalEvent,
  SimpleAck,
} from '../../shared/signaling.js'

export type Tampering =
  /** One character of every payload changed. */
  | 'flip'
  /** X's payload for Y goes to a third peer Z instead (still marked as from X). */
  | 'swap'
  /** Delivered as sent, then replayed: again to Y later, and to every other peer. */
  | 'replay'

export interface TamperingRelay {
  url: string
  /** Every signal payload a client sent through us, as the server receives it. */
  readonly captured: string[]
  /** Payloads we altered, redirected or replayed. */
  readonly tampered: number
  close(): Promise<void>
}

type Downstream = ServerSocket<ClientToServerEvents, ServerToClientEvents>
type Upstream = ClientSocket<ServerToClientEvents, ClientToServerEvents>

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

function flip(data: string): string {
  const at = Math.floor(data.length / 2)
  const char = data[at] ?? 'A'
  const other = ALPHABET[(ALPHABET.indexOf(char) + 1) % ALPHABET.length] ?? 'B'
  return data.slice(0, at) + (char === other ? 'C' : other) + data.slice(at + 1)
}

export async function startTamperingRelay(
  target: string,
  mode: Tampering,
): Promise<TamperingRelay> {
  const captured: string[] = []
  let tampered = 0
  const byPeer = new Map<string, Downstream>()
  const upstreams = new Set<Upstream>()

  const server = http.createServer((request, response) => {
    const forward = http.request(
      `${target}${request.url ?? '/'}`,
      { method: request.method, headers: request.headers },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(response)
      },
    )
    forward.on('error', () => response.destroy())
    request.pipe(forward)
  })
  const relay = new Server<ClientToServerEvents, ServerToClientEvents>(server)

  const deliver = (to: string, event: SignalEvent) => byPeer.get(to)?.emit('signal', event)

  relay.on('connection', (client) => {
    const upstream: Upstream = connect(target, {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
    })
    upstreams.add(upstream)
    let self: string | null = null
    client.on('join', (request, ack) =>
      upstream.emit('join', request, (answer: JoinAck) => {
        if (answer.ok) {
          self = answer.self
          byPeer.set(answer.self, client)
        }
        ack(answer)
      }),
    )
    client.on('signal', (request, ack) => {
      if (request && typeof request.data === 'string') captured.push(request.data)
      upstream.emit('signal', request, (answer: SimpleAck) => ack(answer))
    })
    client.on('leave', (request, ack) => upstream.emit('leave', request, ack))
    upstream.on('peer-joined', (event) => client.emit('peer-joined', event))
    upstream.on('peer-left', (event) => client.emit('peer-left', event))
    upstream.on('signal', ({ from, data }) => {
      const to = self
      if (!to) return
      tampered++
      if (mode === 'flip') {
        deliver(to, { from, data: flip(data) })
      } else if (mode === 'swap') {
        const third = [...byPeer.keys()].find((peer) => peer !== from && peer !== to)
        if (third) deliver(third, { from, data })
      } else {
        deliver(to, { from, data })
        for (const other of byPeer.keys()) {
          if (other !== from && other !== to) deliver(other, { from, data })
        }
        setTimeout(() => deliver(to, { from, data }), 300)
      }
    })
    client.on('disconnect', () => {
      if (self && byPeer.get(self) === client) byPeer.delete(self)
      upstream.disconnect()
      upstreams.delete(upstream)
    })
  })

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    captured,
    get tampered() {
      return tampered
    },
    close: async () => {
      for (const upstream of upstreams) upstream.disconnect()
      await relay.close()
      server.closeAllConnections()
    },
  }
}
