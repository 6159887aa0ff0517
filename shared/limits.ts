/** Limits and constants shared by the signaling server and the client. */

/** Room ids are the only part of a board link the server sees. */
export const ROOM_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/

/** Peer ids and tokens: at least 128 random bits, base64url. */
export const PEER_ID_PATTERN = /^[A-Za-z0-9_-]{22,64}$/
export const TOKEN_PATTERN = /^[A-Za-z0-9_-]{22,128}$/

/** A signal payload is opaque to the server; an SDP with candidates fits well inside this. */
export const MAX_SIGNAL_DATA_BYTES = 64 * 1024

export const MAX_NAME_LENGTH = 64

/**
 * A full mesh costs n·(n−1)/2 connections and each sender encodes audio once per peer, so
 * rooms are capped; beyond this an SFU is the answer.
 */
export const DEFAULT_MAX_PEERS = 8
