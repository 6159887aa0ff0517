/**
 * The UI's view of a Peerboard session: wraps the board, tools, mesh and presence in runes so
 * components stay thin. Plain modules do the work; this class adapts them and routes input.
 */
import type { Awareness } from 'y-protocols/awareness'
import type { ErrorAck } from '../../../shared/signaling'
import type { Board } from '../board/board'
import { fontSize, type ShapeStyle } from '../board/shapes'
import {
  BOARD_FILE_TYPE,
  downloadBlob,
  exportFileName,
  SVG_TYPE,
  type ExportKind,
} from '../export/download'
import { encodeBoardFile } from '../export/board-file'
import { ImportError } from '../export/import-error'
import { importFile } from '../export/import-file'
import { exportPng } from '../export/png'
import { exportSvg } from '../export/svg'
import type { DocSync } from '../net/doc-sync'
import type { LinkState, PeerInfo, PeerMesh } from '../net/mesh'
import { Connections } from './connections.svelte'
import type { SignalingStatus } from '../net/signaling-client'
import { shapeBounds } from '../render/geometry'
import { BoardRenderer, type RemoteCursor } from '../render/renderer'
import { Viewport } from '../render/viewport'
import { EraserTool } from '../tools/eraser-tool'
import { FreehandTool } from '../tools/freehand-tool'
import { HandTool } from '../tools/hand-tool'
import { attachPointerInput } from '../tools/pointer-input'
import { SelectTool } from '../tools/select-tool'
import { Selection } from '../tools/selection'
import { ShapeTool } from '../tools/shape-tool'
import { shortcutFor, type ShortcutAction } from '../tools/shortcuts'
import { TextTool } from '../tools/text-tool'
import type { Tool, ToolName } from '../tools/tool'
import {
  VOICE_OFF,
  type VoiceChat,
  type VoicePresence,
  type VoiceSnapshot,
} from '../voice/voice-chat'
import { saveIdentity, type Identity } from './identity'
import { readCursor, readUser, readVoice } from './presence'
import { createToolContext } from './tool-context'

export { TOOL_SHORTCUT } from '../tools/shortcuts'
export type { ExportKind } from '../export/download'
export type { ToolName } from '../tools/tool'
export type { VoiceSnapshot } from '../voice/voice-chat'

/** Held to talk while push-to-talk is on: top-left, free of tool shortcuts and text. */
export const PUSH_TO_TALK_KEY = '`'

export interface Participant {
  id: string
  name: string
  color: string
  state: LinkState
  /** Their published voice state; null when not known (not joined, or an old client). */
  voice: VoicePresence | null
}

export interface AppDeps {
  board: Board
  awareness: Awareness
  mesh: PeerMesh
  docSync: DocSync
  voice: VoiceChat
  identity: Identity
  link: string
  storage: Storage | null
}

export interface TextEditing {
  id: string
  /** Screen position (CSS pixels relative to the board) and font size on screen. */
  left: number
  top: number
  fontPx: number
  color: string
  text: string
}

export const PALETTE = ['#1e1e1e', '#e03131', '#2f9e44', '#1971c2', '#f08c00', '#9c36b5'] as const
export const WIDTHS = [
  { label: 'Thin', size: 2 },
  { label: 'Medium', size: 4 },
  { label: 'Thick', size: 8 },
] as const

export class AppState {
  readonly #deps: AppDeps
  readonly viewport = new Viewport()
  readonly selection = new Selection()
  readonly connections: Connections
  readonly #tools: Record<ToolName, Tool>
  readonly #hand: HandTool
  #renderer: BoardRenderer | null = null
  #peers: PeerInfo[] = []
  #participantsQueued = false
  #space = false

  signaling = $state<SignalingStatus>('connecting')
  rejection = $state<string | null>(null)
  notice = $state<string | null>(null)
  // Replaced whole on every change, never edited in place: no deep proxy to build each time.
  participants = $state.raw<Participant[]>([])
  identity = $state<Identity>({ name: '', color: '#000000' })
  tool = $state<ToolName>('pen')
  color = $state<string>(PALETTE[0])
  size = $state(4)
  fill = $state<string | null>(null)
  copied = $state(false)
  canUndo = $state(false)
  canRedo = $state(false)
  selectedCount = $state(0)
  zoom = $state(1)
  editing = $state<TextEditing | null>(null)
  confirmingClear = $state(false)
  /**
   * The canvases start once the network has settled (joined alone, or synced with a first
   * peer, or 1.5 s passed): their first paint is a 150 ms+ task that would otherwise sit in
   * the middle of the signaling and WebRTC handshakes and delay joining the board.
   */
  canvasReady = $state(false)
  /** A problem the person should see (an import refused, an export failed). */
  problem = $state<string | null>(null)
  busy = $state<string | null>(null)
  exportBackground = $state(true)
  /** A new snapshot from VoiceChat on every change (never edited in place, like participants). */
  voice = $state.raw<VoiceSnapshot>(VOICE_OFF)

  constructor(deps: AppDeps) {
    this.#deps = deps
    this.identity = deps.identity
    this.connections = new Connections(deps.mesh)
    const context = createToolContext({
      board: deps.board,
      viewport: this.viewport,
      selection: this.selection,
      index: () => this.#renderer?.index ?? null,
      style: () => this.style,
      editText: (id) => this.#editText(id),
      invalidate: () => this.#renderer?.invalidateOverlay(),
    })
    this.#hand = new HandTool(context)
    this.#tools = {
      pen: new FreehandTool(context, 'pen'),
      highlighter: new FreehandTool(context, 'highlighter'),
      eraser: new EraserTool(context),
      line: new ShapeTool(context, 'line'),
      arrow: new ShapeTool(context, 'arrow'),
      rect: new ShapeTool(context, 'rect'),
      ellipse: new ShapeTool(context, 'ellipse'),
      text: new TextTool(context),
      select: new SelectTool(context),
      hand: this.#hand,
    }

    this.voice = deps.voice.snapshot
    deps.voice.onChange((snapshot) => (this.voice = snapshot))
    deps.awareness.on('change', () => {
      this.#queueParticipants()
      this.#renderer?.invalidateOverlay()
      deps.voice.refresh()
    })
    const undoManager = deps.board.undoManager
    const refreshUndo = () => {
      this.canUndo = undoManager.canUndo()
      this.canRedo = undoManager.canRedo()
    }
    undoManager.on('stack-item-added', refreshUndo)
    undoManager.on('stack-item-popped', refreshUndo)
    undoManager.on('stack-cleared', refreshUndo)
    this.selection.onChange(() => {
      this.selectedCount = this.selection.size
      this.#renderer?.invalidateOverlay()
    })
    deps.board.observe((change) => {
      if (change.shapes.size === 0) return
      this.selection.retain((id) => deps.board.shape(id) !== undefined)
      if (this.selection.size > 0) this.#renderer?.invalidateOverlay()
      if (this.editing) this.#placeEditor(this.editing.id)
    })
    this.viewport.onChange(() => {
      this.zoom = this.viewport.zoom
      if (this.editing) this.#placeEditor(this.editing.id)
    })
  }

  get link(): string {
    return this.#deps.link
  }

  get style(): ShapeStyle {
    return { color: this.color, size: this.size, fill: this.fill }
  }

  get board(): Board {
    return this.#deps.board
  }

  get renderer(): BoardRenderer | null {
    return this.#renderer
  }

  onPeersChanged(peers: PeerInfo[]): void {
    this.#peers = peers
    this.#queueParticipants()
    this.#deps.voice.refresh()
  }

  markNetworkSettled(): void {
    this.canvasReady = true
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
      decorations: () => this.#decorations(),
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
      tool: () => this.#tools[this.tool],
      hand: this.#hand,
      spaceHeld: () => this.#space,
      onHover: (point, pressed) => {
        // While a stroke is drawn its live ink shows where the pen is; cursor updates would
        // cost several times the ink's bytes.
        if (pressed && (this.tool === 'pen' || this.tool === 'highlighter')) return
        this.#deps.awareness.setLocalStateField('cursor', point)
      },
    })
    return () => {
      detachInput()
      observer.disconnect()
      renderer.destroy()
      this.#renderer = null
    }
  }

  setTool(tool: ToolName): void {
    this.#commitText()
    this.tool = tool
    if (tool !== 'select') this.selection.clear()
    this.#deps.awareness.setLocalStateField('tool', tool)
  }

  setColor(color: string): void {
    this.color = color
    this.#styleSelection({ color })
  }

  setSize(size: number): void {
    this.size = size
    this.#styleSelection({ size })
  }

  setFill(fill: string | null): void {
    this.fill = fill
    this.#styleSelection({ fill })
  }

  undo(): void {
    this.#deps.board.undo()
  }

  redo(): void {
    this.#deps.board.redo()
  }

  deleteSelection(): void {
    if (this.selection.size === 0) return
    this.#deps.board.deleteShapes(this.selection.ids)
    this.selection.clear()
  }

  duplicateSelection(): void {
    if (this.selection.size === 0) return
    this.selection.set(this.#deps.board.duplicate(this.selection.ids))
  }

  bringToFront(): void {
    this.#deps.board.bringToFront(this.selection.ids)
  }

  sendToBack(): void {
    this.#deps.board.sendToBack(this.selection.ids)
  }

  selectAll(): void {
    this.setTool('select')
    this.selection.set(this.#deps.board.allShapes().map((shape) => shape.id))
  }

  requestClear(): void {
    this.confirmingClear = true
  }

  confirmClear(confirmed: boolean): void {
    this.confirmingClear = false
    if (!confirmed) return
    this.selection.clear()
    this.#deps.board.clear()
  }

  zoomBy(factor: number): void {
    const renderer = this.#renderer
    this.viewport.zoomAt((renderer?.width ?? 0) / 2, (renderer?.height ?? 0) / 2, factor)
  }

  zoomToFit(): void {
    const renderer = this.#renderer
    if (renderer) this.viewport.fit(renderer.contentBounds(), renderer.width, renderer.height)
  }

  resetZoom(): void {
    this.viewport.reset()
  }

  /** Keyboard handling for the whole page; returns true when the key was used. */
  onKeyDown(event: KeyboardEvent): boolean {
    if (event.key === ' ' && !isTyping(event.target)) {
      this.#space = true
      return true
    }
    if (isTyping(event.target)) return false
    if (this.#voiceKey(event, true)) return true
    const action = shortcutFor(event)
    if (!action) return false
    this.#run(action)
    return true
  }

  onKeyUp(event: KeyboardEvent): void {
    if (event.key === ' ') this.#space = false
    if (event.key === PUSH_TO_TALK_KEY) this.#deps.voice.talk(false)
  }

  /** The window lost focus: a held push-to-talk key's release will never arrive. */
  onBlur(): void {
    this.#deps.voice.talk(false)
  }

  joinVoice(): Promise<void> {
    return this.#deps.voice.join()
  }

  leaveVoice(): void {
    this.#deps.voice.leave()
  }

  setMuted(muted: boolean): void {
    this.#deps.voice.setMuted(muted)
  }

  setPushToTalk(enabled: boolean): void {
    this.#deps.voice.setPushToTalk(enabled)
  }

  selectMicrophone(id: string): Promise<void> {
    return this.#deps.voice.selectMicrophone(id)
  }

  setPeerVolume(peerId: string, volume: number): void {
    this.#deps.voice.setPeerVolume(peerId, volume)
  }

  setPeerMuted(peerId: string, muted: boolean): void {
    this.#deps.voice.setPeerMuted(peerId, muted)
  }

  dismissVoiceError(): void {
    this.#deps.voice.dismissError()
  }

  /** M toggles mute and the push-to-talk key talks, only while in voice. */
  #voiceKey(event: KeyboardEvent, down: boolean): boolean {
    if (this.voice.status !== 'on' || event.ctrlKey || event.metaKey || event.altKey) return false
    if (event.key === PUSH_TO_TALK_KEY && this.voice.pushToTalk) {
      if (!event.repeat) this.#deps.voice.talk(down)
      return true
    }
    if (down && !event.repeat && event.key.toLowerCase() === 'm' && !event.shiftKey) {
      this.#deps.voice.toggleMute()
      return true
    }
    return false
  }

  /** The text editor's content changed (typing). */
  editTextInput(text: string): void {
    const editing = this.editing
    if (!editing) return
    this.editing = { ...editing, text }
    this.#deps.board.setText(editing.id, text)
  }

  /** The editor closed (blur, Escape): an empty text is removed, in the same undo step. */
  finishTextEdit(): void {
    this.#commitText()
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

  showNotice(message: string | null): void {
    this.notice = message
  }

  dismissProblem(): void {
    this.problem = null
  }

  async exportAs(kind: ExportKind): Promise<void> {
    this.busy = 'Exporting…'
    this.problem = null
    try {
      const board = this.#deps.board
      const blob =
        kind === 'png'
          ? await exportPng(board, {
              background: this.exportBackground,
              pathOf: (shape) => this.#renderer?.pathOf(shape),
            })
          : kind === 'svg'
            ? new Blob([await exportSvg(board, { background: this.exportBackground })], {
                type: SVG_TYPE,
              })
            : new Blob([encodeBoardFile(board)], { type: BOARD_FILE_TYPE })
      downloadBlob(blob, exportFileName(kind))
    } catch (error) {
      this.problem = `Export failed: ${error instanceof Error ? error.message : String(error)}`
    } finally {
      this.busy = null
    }
  }

  /** Merges a board file or a Peerboard PNG into the board, for everyone. */
  async importBlob(file: Blob): Promise<void> {
    this.busy = 'Importing…'
    this.problem = null
    try {
      const { shapes } = await importFile(
        new Uint8Array(await file.arrayBuffer()),
        this.#deps.board,
      )
      this.notice = `Imported ${shapes} shape${shapes === 1 ? '' : 's'}.`
      setTimeout(() => (this.notice = null), 3000)
    } catch (error) {
      this.problem =
        error instanceof ImportError
          ? error.message
          : `Import failed: ${error instanceof Error ? error.message : String(error)}`
    } finally {
      this.busy = null
    }
  }

  #run(action: ShortcutAction): void {
    switch (action.kind) {
      case 'tool':
        return this.setTool(action.tool)
      case 'undo':
        return this.undo()
      case 'redo':
        return this.redo()
      case 'delete':
        return this.deleteSelection()
      case 'select-all':
        return this.selectAll()
      case 'duplicate':
        return this.duplicateSelection()
      case 'bring-to-front':
        return this.bringToFront()
      case 'send-to-back':
        return this.sendToBack()
      case 'deselect':
        return this.selection.clear()
      case 'zoom-in':
        return this.zoomBy(1.25)
      case 'zoom-out':
        return this.zoomBy(0.8)
      case 'zoom-fit':
        return this.zoomToFit()
      case 'zoom-reset':
        return this.resetZoom()
    }
  }

  #styleSelection(patch: Partial<ShapeStyle>): void {
    if (this.selection.size > 0) this.#deps.board.setStyle(this.selection.ids, patch)
  }

  #editText(id: string | null): void {
    this.#commitText()
    if (id) this.#placeEditor(id)
  }

  #placeEditor(id: string): void {
    const shape = this.#deps.board.shape(id)
    if (!shape || shape.type !== 'text') {
      this.editing = null
      return
    }
    const at = this.viewport.toScreen(shape.x, shape.y)
    this.editing = {
      id,
      left: at.x,
      top: at.y,
      fontPx: fontSize(shape.size) * this.viewport.zoom,
      color: shape.color,
      text: this.editing?.id === id ? this.editing.text : shape.text,
    }
  }

  #commitText(): void {
    const editing = this.editing
    if (!editing) return
    this.editing = null
    const shape = this.#deps.board.shape(editing.id)
    if (shape?.type === 'text' && shape.text.trim() === '')
      this.#deps.board.deleteShapes([editing.id], true)
  }

  #decorations() {
    const board = this.#deps.board
    const selection = [...this.selection.ids]
      .map((id) => board.shape(id))
      .filter((shape) => shape !== undefined)
      .map(shapeBounds)
    const tool = this.#tools[this.tool]
    return { selection, marquee: tool.marquee?.() ?? null }
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

  /**
   * One list update per frame at most: a forming mesh changes links and awareness dozens of
   * times a second on every page, and each update re-rendered and laid out the list.
   */
  #queueParticipants(): void {
    if (this.#participantsQueued) return
    this.#participantsQueued = true
    const run = () => {
      if (!this.#participantsQueued) return
      this.#participantsQueued = false
      this.#refreshParticipants()
    }
    // A hidden tab gets no frames; the timer keeps its list current all the same.
    requestAnimationFrame(run)
    setTimeout(run, 100)
  }

  #refreshParticipants(): void {
    const { docSync } = this.#deps
    this.participants = this.#peers
      .filter((peer) => peer.inRoom || peer.state === 'connected' || peer.state === 'reconnecting')
      .map((peer) => {
        const presence = docSync.presenceOf(peer.id)
        const user = readUser(presence)
        const voice = readVoice(presence)
        return {
          id: peer.id,
          name: user?.name ?? 'Joining…',
          color: user?.color ?? '#868e96',
          state: peer.state,
          voice,
        }
      })
  }
}

function isTyping(target: EventTarget | null): boolean {
  return (
    target instanceof HTMLElement &&
    (target.isContentEditable ||
      target.tagName === 'INPUT' ||
      target.tagName === 'TEXTAREA' ||
      target.tagName === 'SELECT')
  )
}
