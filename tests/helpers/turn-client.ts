/**
 * A minimal TURN client (RFC 5766 Allocate over UDP, long-term credentials per RFC 5389), so
 * tests can ask a real coturn whether it accepts a credential without involving a browser.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto'
import dgram from 'node:dgram'

const MAGIC_COOKIE = 0x2112a442
const ALLOCATE_REQUEST = 0x0003
const ALLOCATE_SUCCESS = 0x0103
const REFRESH_REQUEST = 0x0004
const REFRESH_SUCCESS = 0x0104
const CREATE_PERMISSION_REQUEST = 0x0008
const CREATE_PERMISSION_SUCCESS = 0x0108
const BINDING_REQUEST = 0x0001
const BINDING_SUCCESS = 0x0101

const ATTR = {
  username: 0x0006,
  messageIntegrity: 0x0008,
  errorCode: 0x0009,
  realm: 0x0014,
  nonce: 0x0015,
  requestedTransport: 0x0019,
  xorRelayedAddress: 0x0016,
  lifetime: 0x000d,
  xorPeerAddress: 0x0012,
} as const

const UDP_PROTOCOL = 17

export interface TurnServerAddress {
  host: string
  port: number
}

export type AllocateResult =
  | { ok: true; relayed: { family: number; port: number } }
  | { ok: false; code: number; reason: string }

interface StunMessage {
  type: number
  transactionId: Buffer
  attributes: Map<number, Buffer>
}

/**
 * Tries to allocate a UDP relay with `username` / `credential`, following the usual exchange:
 * an unauthenticated request draws 401 with the realm and a nonce, then the signed request.
 * The allocation is left to expire (coturn's default lifetime is 10 minutes; the test server
 * is stopped long before).
 */
export async function allocate(
  server: TurnServerAddress,
  username: string,
  credential: string,
): Promise<AllocateResult> {
  const allocation = await openAllocation(server, username, credential)
  allocation.close()
  return allocation.result
}

export interface Allocation {
  result: AllocateResult
  /** Sends a Refresh on the same 5-tuple with the same credentials and nonce. */
  refresh(lifetimeSeconds?: number): Promise<{ ok: true } | { ok: false; code: number }>
  /** Asks to relay to an IPv4 peer (CreatePermission): the server's peer access control. */
  permit(ipv4: string): Promise<{ ok: true } | { ok: false; code: number }>
  close(): void
}

/** Like `allocate`, but keeps the socket (the allocation's 5-tuple) open for refreshes. */
export async function openAllocation(
  server: TurnServerAddress,
  username: string,
  credential: string,
): Promise<Allocation> {
  const socket = dgram.createSocket('udp4')
  let signed: [number, Buffer][] = []
  let key: Buffer = Buffer.alloc(0)
  const result = await allocateOn(socket, server, username, credential, (attrs, k) => {
    signed = attrs
    key = k
  }).catch((error: unknown) => {
    socket.close()
    throw error
  })
  return {
    result,
    refresh: async (lifetimeSeconds = 600) => {
      const lifetime = Buffer.alloc(4)
      lifetime.writeUInt32BE(lifetimeSeconds)
      const request = encode(REFRESH_REQUEST, [[ATTR.lifetime, lifetime], ...signed], key)
      const answer = await transact(socket, server, request)
      if (answer.type === REFRESH_SUCCESS) return { ok: true }
      const failed = failure(answer)
      return { ok: false, code: failed.ok ? 0 : failed.code }
    },
    permit: async (ipv4) => {
      const peer = Buffer.alloc(8)
      peer[1] = 0x01
      peer.writeUInt16BE(40_000 ^ 0x2112, 2)
      const octets = ipv4.split('.').map(Number)
      peer.writeUInt32BE(
        (((octets[0]! << 24) | (octets[1]! << 16) | (octets[2]! << 8) | octets[3]!) ^
          MAGIC_COOKIE) >>>
          0,
        4,
      )
      const request = encode(
        CREATE_PERMISSION_REQUEST,
        [[ATTR.xorPeerAddress, peer], ...signed],
        key,
      )
      const answer = await transact(socket, server, request)
      if (answer.type === CREATE_PERMISSION_SUCCESS) return { ok: true }
      const failed = failure(answer)
      return { ok: false, code: failed.ok ? 0 : failed.code }
    },
    close: () => socket.close(),
  }
}

async function allocateOn(
  socket: dgram.Socket,
  server: TurnServerAddress,
  username: string,
  credential: string,
  remember: (signedAttributes: [number, Buffer][], key: Buffer) => void,
): Promise<AllocateResult> {
  {
    const challenge = await transact(socket, server, encode(ALLOCATE_REQUEST, [transport()]))
    const realm = challenge.attributes.get(ATTR.realm)
    const nonce = challenge.attributes.get(ATTR.nonce)
    if (realm === undefined || nonce === undefined) return failure(challenge)

    const key = createHash('md5')
      .update(`${username}:${realm.toString('utf8')}:${credential}`)
      .digest()
    const signedAttributes: [number, Buffer][] = [
      [ATTR.username, Buffer.from(username, 'utf8')],
      [ATTR.realm, realm],
      [ATTR.nonce, nonce],
    ]
    remember(signedAttributes, key)
    const request = encode(ALLOCATE_REQUEST, [transport(), ...signedAttributes], key)
    const answer = await transact(socket, server, request)
    if (answer.type !== ALLOCATE_SUCCESS) return failure(answer)
    const relayed = answer.attributes.get(ATTR.xorRelayedAddress)
    if (relayed === undefined) throw new Error('allocate success without XOR-RELAYED-ADDRESS')
    return { ok: true, relayed: { family: relayed[1]!, port: relayed.readUInt16BE(2) ^ 0x2112 } }
  }
}

/** True once the server answers a STUN Binding request on `server`'s UDP port. */
export async function answersStun(server: TurnServerAddress, timeoutMs = 300): Promise<boolean> {
  const socket = dgram.createSocket('udp4')
  try {
    const answer = await transact(socket, server, encode(BINDING_REQUEST, []), timeoutMs)
    return answer.type === BINDING_SUCCESS
  } catch {
    return false
  } finally {
    socket.close()
  }
}

function transport(): [number, Buffer] {
  return [ATTR.requestedTransport, Buffer.from([UDP_PROTOCOL, 0, 0, 0])]
}

function failure(message: StunMessage): AllocateResult {
  const error = message.attributes.get(ATTR.errorCode)
  if (error === undefined)
    throw new Error(`unexpected STUN message type 0x${message.type.toString(16)}`)
  return {
    ok: false,
    code: (error[2]! & 0x7) * 100 + error[3]!,
    reason: error.subarray(4).toString('utf8'),
  }
}

function encode(type: number, attributes: [number, Buffer][], integrityKey?: Buffer): Buffer {
  const body = Buffer.concat(attributes.map(([kind, value]) => attribute(kind, value)))
  const header = Buffer.alloc(20)
  header.writeUInt16BE(type, 0)
  header.writeUInt32BE(MAGIC_COOKIE, 4)
  randomBytes(12).copy(header, 8)
  if (integrityKey === undefined) {
    header.writeUInt16BE(body.length, 2)
    return Buffer.concat([header, body])
  }
  // The HMAC covers the header with a length that already counts the integrity attribute.
  header.writeUInt16BE(body.length + 24, 2)
  const hmac = createHmac('sha1', integrityKey).update(header).update(body).digest()
  return Buffer.concat([header, body, attribute(ATTR.messageIntegrity, hmac)])
}

function attribute(kind: number, value: Buffer): Buffer {
  const padded = Buffer.alloc(4 + Math.ceil(value.length / 4) * 4)
  padded.writeUInt16BE(kind, 0)
  padded.writeUInt16BE(value.length, 2)
  value.copy(padded, 4)
  return padded
}

function decode(bytes: Buffer): StunMessage {
  const attributes = new Map<number, Buffer>()
  let offset = 20
  const end = 20 + bytes.readUInt16BE(2)
  while (offset + 4 <= end) {
    const kind = bytes.readUInt16BE(offset)
    const length = bytes.readUInt16BE(offset + 2)
    attributes.set(kind, bytes.subarray(offset + 4, offset + 4 + length))
    offset += 4 + Math.ceil(length / 4) * 4
  }
  return { type: bytes.readUInt16BE(0), transactionId: bytes.subarray(8, 20), attributes }
}

/** One request, one answer with the same transaction id; UDP, so resent a few times. */
function transact(
  socket: dgram.Socket,
  server: TurnServerAddress,
  request: Buffer,
  timeoutMs = 3000,
): Promise<StunMessage> {
  const transactionId = request.subarray(8, 20)
  return new Promise((resolve, reject) => {
    const send = () => socket.send(request, server.port, server.host)
    const resend = setInterval(send, 250)
    const timeout = setTimeout(() => done(new Error('no STUN answer in time')), timeoutMs)
    const onMessage = (bytes: Buffer) => {
      if (bytes.length < 20 || !bytes.subarray(8, 20).equals(transactionId)) return
      done(undefined, decode(bytes))
    }
    const done = (error?: Error, message?: StunMessage) => {
      clearInterval(resend)
      clearTimeout(timeout)
      socket.off('message', onMessage)
      if (error !== undefined || message === undefined) reject(error ?? new Error('no message'))
      else resolve(message)
    }
    socket.on('message', onMessage)
    send()
  })
}
