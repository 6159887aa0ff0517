/**
 * Feeds pointer events on the board element to the active tool in board coordinates: mouse,
 * touch and pen alike, with the coalesced samples a fast stroke produces between frames.
 */
import type { Viewport } from '../render/viewport'
import type { Tool, ToolSample } from './pen-tool'

export interface PointerInputOptions {
  element: HTMLElement
  viewport: Viewport
  tool: () => Tool
  /** Called with the board position under the pointer (null when it leaves). */
  onHover?: (point: { x: number; y: number } | null) => void
}

export function attachPointerInput(options: PointerInputOptions): () => void {
  const { element, viewport } = options
  let active: number | null = null

  const sample = (event: PointerEvent): ToolSample => {
    const rect = element.getBoundingClientRect()
    const point = viewport.toWorld(event.clientX - rect.left, event.clientY - rect.top)
    return { x: point.x, y: point.y, pressure: event.pointerType === 'pen' ? event.pressure : 0.5 }
  }

  const down = (event: PointerEvent) => {
    if (event.button !== 0 || active !== null) return
    active = event.pointerId
    element.setPointerCapture?.(event.pointerId)
    event.preventDefault()
    options.tool().down(sample(event), event.pointerType === 'pen')
  }
  const move = (event: PointerEvent) => {
    const here = sample(event)
    options.onHover?.({ x: here.x, y: here.y })
    if (event.pointerId !== active) return
    const coalesced = event.getCoalescedEvents?.() ?? []
    options.tool().move(coalesced.length > 0 ? coalesced.map(sample) : [here])
  }
  const up = (event: PointerEvent) => {
    if (event.pointerId !== active) return
    active = null
    options.tool().up()
  }
  const cancel = (event: PointerEvent) => {
    if (event.pointerId !== active) return
    active = null
    options.tool().cancel()
  }
  const leave = () => {
    if (active === null) options.onHover?.(null)
  }

  element.addEventListener('pointerdown', down)
  element.addEventListener('pointermove', move)
  element.addEventListener('pointerup', up)
  element.addEventListener('pointercancel', cancel)
  element.addEventListener('pointerleave', leave)
  return () => {
    element.removeEventListener('pointerdown', down)
    element.removeEventListener('pointermove', move)
    element.removeEventListener('pointerup', up)
    element.removeEventListener('pointercancel', cancel)
    element.removeEventListener('pointerleave', leave)
  }
}
