/**
 * The UI's view of a Peerboard session: wraps the board, the mesh and presence in runes so
 * components stay thin. Plain modules do the work; this class only adapts them.
 */
import type { Awareness } from 'y-protocols/awareness'
import type { ErrorAck } from '../../../shared/signaling'
import type { Board } from '../board/board'
import type { DocSync } from '../net/doc-sync'
import type { LinkState, PeerInfo, PeerMesh } from '../net/mesh'
import type { SignalingStatus } from '../net/signaling-client'
import { BoardRenderer, type RemoteCursor } from '../render/renderer'
import { Viewport } from '../render/viewport'
import { PenTool } from '../tools/pen-tool'
import { attachPointerInput } from '../tools/pointer-input'
import { saveIdentity, type Identity } from './identity'
import { readCursor, readUser } from './presence'

export interface Participant {
  id: string
  name: string
  color: string
  state: LinkState
}

export interface AppDeps {
  board: Board
  awareness: Awareness
  mesh: PeerMesh
  docSync: DocSync
  identity: Identity
  link: string
  storage: Storage | null
}

export class AppState {
  readonly #deps: AppDeps
  readonly viewport = new Viewport()
  readonly #pen: PenTool
  #renderer: BoardRenderer | null = null
  #peers: PeerInfo[] = []

  signaling = $state<SignalingStatus>('connecting')
  rejection = $state<string | null>(null)
  participants = $state<Participant[]>([])
  identity = $state<Identity>({ name: '', color: '#000000' })
  tool = $state<'pen'>('pen')
  color = $state('#1e1e1e')
  size = $state(4)
  copied = $state(false)
  canUndo = $state(false)
  canRedo = $state(false)

  constructor(deps: AppDeps) {
    this.#deps = deps
    this.identity = deps.identity
    this.#pen = new PenTool(deps.board, () => ({ color: this.color, size: this.size }))
    deps.awareness.on('change', () => {
      this.#refreshParticipants()
      this.#renderer?.invalidateOverlay()
    })
    const undoManager = deps.board.undoManager
    const refreshUndo = () => {
      this.canUndo = undoManager.canUndo()
      this.canRedo = undoManager.canRedo()
    }
    undoManager.on('stack-item-added', refreshUndo)
    undoManager.on('stack-item-popped', refreshUndo)
    undoManager.on('stack-cleared', refreshUndo)
  }

  get link(): string {
    return this.#deps.link
  }

  onPeersChanged(peers: PeerInfo[]): void {
    this.#peers = peers
    this.#refreshParticipants()
  }

  onSignalingStatus(status: SignalingStatus, error?: ErrorAck): void {
    this.signaling = status
    if (status === 'rejected' && error) this.rejection = error.message
    else if (status === 'joined') this.rejection = null
  }

  /** Creates the canvas view inside `host`; the returned function tears it down. */
  attachBoard(
    host: HTMLElement,
    documentCanvas: HTMLCanvasElement,
    overlayCanvas: HTMLCanvasElement,
  ) {
    const renderer = new BoardRenderer({
      board: this.#deps.board,
      viewport: this.viewport,
      documentCanvas,
      overlayCanvas,
      cursors: () => this.#cursors(),
    })
    this.#renderer = renderer
    const resize = () => {
      const rect = host.getBoundingClientRect()
      renderer.resize(rect.width, rect.height, window.devicePixelRatio || 1)
    }
    resize()
    const observer = new ResizeObserver(resize)
    observer.observe(host)
    const detachInput = attachPointerInput({
      element: overlayCanvas,
      viewport: this.viewport,
      tool: () => this.#pen,
      onHover: (point) => this.#setCursor(point),
    })
    return () => {
      detachInput()
      observer.disconnect()
      renderer.destroy()
      this.#renderer = null
    }
  }

  undo(): void {
    this.#deps.board.undo()
  }

  redo(): void {
    this.#deps.board.redo()
  }

  async copyLink(): Promise<void> {
    try {
      await navigator.clipboard.writeText(this.#deps.link)
      this.copied = true
      setTimeout(() => (this.copied = false), 1500)
    } catch {
      // Without clipboard permission the link stays visible in the address bar.
      window.prompt('Copy this link', this.#deps.link)
    }
  }

  rename(name: string): void {
    const trimmed = name.trim().slice(0, 64)
    if (!trimmed) return
    this.identity = { ...this.identity, name: trimmed }
    saveIdentity(this.#deps.storage, this.identity)
    this.#deps.awareness.setLocalStateField('user', { ...this.identity })
  }

  #setCursor(point: { x: number; y: number } | null): void {
    this.#deps.awareness.setLocalStateField('cursor', point)
  }

  #cursors(): RemoteCursor[] {
    const { awareness } = this.#deps
    const cursors: RemoteCursor[] = []
    for (const [client, state] of awareness.getStates()) {
      if (client === awareness.clientID) continue
      const cursor = readCursor(state)
      if (cursor) cursors.push(cursor)
    }
    return cursors
  }

  #refreshParticipants(): void {
    const { awareness, docSync } = this.#deps
    this.participants = this.#peers
      .filter((peer) => peer.inRoom || peer.state === 'connected' || peer.state === 'reconnecting')
      .map((peer) => {
        let user = null
        for (const client of docSync.peer(peer.id)?.clients ?? []) {
          user ??= readUser(awareness.getStates().get(client))
        }
        return {
          id: peer.id,
          name: user?.name ?? 'Joining…',
          color: user?.color ?? '#868e96',
          state: peer.state,
        }
      })
  }
}
