/**
 * Turns pointer, wheel and touch input on the board element into tool calls in board
 * coordinates: mouse, touch and pen alike, with the coalesced samples a fast stroke produces
 * between frames. Space-drag and the middle button pan with any tool; two fingers pan and
 * pinch-zoom; the wheel pans, and zooms with Ctrl (which is also how trackpads report pinch).
 */
import type { Viewport } from '../render/viewport'
import type { Tool, ToolInput } from './tool'

export interface PointerInputOptions {
  element: HTMLElement
  viewport: Viewport
  tool: () => Tool
  /** The tool used while Space is held or the middle button drags. */
  hand: Tool
  spaceHeld: () => boolean
  onHover?: (point: { x: number; y: number } | null, pressed: boolean) => void
}

export function attachPointerInput(options: PointerInputOptions): () => void {
  const { element, viewport } = options
  let active: { id: number; tool: Tool } | null = null
  const touches = new Map<number, { x: number; y: number }>()
  let pinch: { distance: number; midX: number; midY: number } | null = null

  const input = (event: PointerEvent): ToolInput => {
    const rect = element.getBoundingClientRect()
    const screenX = event.clientX - rect.left
    const screenY = event.clientY - rect.top
    const world = viewport.toWorld(screenX, screenY)
    const withPressure = event.pointerType === 'pen'
    return {
      x: world.x,
      y: world.y,
      screenX,
      screenY,
      pressure: withPressure ? event.pressure : 0.5,
      withPressure,
      shift: event.shiftKey,
    }
  }

  const pinchState = () => {
    const [a, b] = [...touches.values()]
    if (!a || !b) return null
    return {
      distance: Math.hypot(a.x - b.x, a.y - b.y),
      midX: (a.x + b.x) / 2,
      midY: (a.y + b.y) / 2,
    }
  }

  const down = (event: PointerEvent) => {
    if (event.pointerType === 'touch') {
      const here = input(event)
      touches.set(event.pointerId, { x: here.screenX, y: here.screenY })
      if (touches.size === 2) {
        // A second finger turns the gesture into pan/zoom; the first finger's stroke stops.
        active?.tool.cancel()
        active = null
        pinch = pinchState()
        return
      }
    }
    if (active !== null || (event.button !== 0 && event.button !== 1)) return
    const tool = event.button === 1 || options.spaceHeld() ? options.hand : options.tool()
    active = { id: event.pointerId, tool }
    element.setPointerCapture?.(event.pointerId)
    event.preventDefault()
    tool.down(input(event))
  }

  const move = (event: PointerEvent) => {
    const here = input(event)
    if (touches.has(event.pointerId)) {
      touches.set(event.pointerId, { x: here.screenX, y: here.screenY })
      if (pinch) {
        const next = pinchState()
        if (next && pinch.distance > 0) {
          viewport.panBy(next.midX - pinch.midX, next.midY - pinch.midY)
          viewport.zoomAt(next.midX, next.midY, next.distance / pinch.distance)
          pinch = next
        }
        return
      }
    }
    options.onHover?.({ x: here.x, y: here.y }, active !== null)
    if (!active || event.pointerId !== active.id) return
    const coalesced = event.getCoalescedEvents?.() ?? []
    active.tool.move(coalesced.length > 0 ? coalesced.map(input) : [here])
  }

  const end = (event: PointerEvent, cancelled: boolean) => {
    touches.delete(event.pointerId)
    if (touches.size < 2) pinch = null
    if (!active || event.pointerId !== active.id) return
    const tool = active.tool
    active = null
    const here = input(event)
    if (cancelled) tool.cancel()
    else tool.up(here)
    // Hover updates pause while drawing; say where the pointer ended up.
    options.onHover?.({ x: here.x, y: here.y }, false)
  }
  const up = (event: PointerEvent) => end(event, false)
  const cancel = (event: PointerEvent) => end(event, true)

  const doubleClick = (event: MouseEvent) => {
    options.tool().doubleClick?.(input(event as PointerEvent))
  }

  const wheel = (event: WheelEvent) => {
    event.preventDefault()
    const rect = element.getBoundingClientRect()
    if (event.ctrlKey || event.metaKey) {
      viewport.zoomAt(
        event.clientX - rect.left,
        event.clientY - rect.top,
        Math.exp(-event.deltaY * 0.01),
      )
    } else {
      viewport.panBy(-event.deltaX, -event.deltaY)
    }
  }

  const leave = () => {
    if (active === null) options.onHover?.(null, false)
  }

  const listeners: [string, EventListener, AddEventListenerOptions?][] = [
    ['pointerdown', down as EventListener],
    ['pointermove', move as EventListener],
    ['pointerup', up as EventListener],
    ['pointercancel', cancel as EventListener],
    ['pointerleave', leave],
    ['dblclick', doubleClick as EventListener],
    ['wheel', wheel as EventListener, { passive: false }],
  ]
  for (const [type, listener, opts] of listeners) element.addEventListener(type, listener, opts)
  return () => {
    for (const [type, listener] of listeners) element.removeEventListener(type, listener)
  }
}
