/**
 * Keyboard shortcuts as data: a pure mapping from a key event to an action, so the table is
 * testable and the tooltips can show it. Typing in a text field never reaches this.
 */
import type { ToolName } from './tool'

export type ShortcutAction =
  | { kind: 'tool'; tool: ToolName }
  | { kind: 'undo' }
  | { kind: 'redo' }
  | { kind: 'delete' }
  | { kind: 'select-all' }
  | { kind: 'duplicate' }
  | { kind: 'bring-to-front' }
  | { kind: 'send-to-back' }
  | { kind: 'deselect' }
  | { kind: 'zoom-in' }
  | { kind: 'zoom-out' }
  | { kind: 'zoom-fit' }
  | { kind: 'zoom-reset' }

export interface KeyLike {
  key: string
  ctrlKey: boolean
  metaKey: boolean
  shiftKey: boolean
  altKey: boolean
}

export const TOOL_KEYS: Record<string, ToolName> = {
  p: 'pen',
  h: 'highlighter',
  e: 'eraser',
  l: 'line',
  a: 'arrow',
  r: 'rect',
  o: 'ellipse',
  t: 'text',
  v: 'select',
}

export const TOOL_SHORTCUT: Partial<Record<ToolName, string>> = Object.fromEntries(
  Object.entries(TOOL_KEYS).map(([key, tool]) => [tool, key.toUpperCase()]),
)

export function shortcutFor(event: KeyLike): ShortcutAction | null {
  const key = event.key.toLowerCase()
  const command = event.ctrlKey || event.metaKey
  if (event.altKey) return null
  if (command) {
    if (key === 'z') return { kind: event.shiftKey ? 'redo' : 'undo' }
    if (key === 'y') return { kind: 'redo' }
    if (key === 'a') return { kind: 'select-all' }
    if (key === 'd') return { kind: 'duplicate' }
    if (key === '=' || key === '+') return { kind: 'zoom-in' }
    if (key === '-') return { kind: 'zoom-out' }
    if (key === '0') return { kind: 'zoom-reset' }
    return null
  }
  if (key === 'delete' || key === 'backspace') return { kind: 'delete' }
  if (key === 'escape') return { kind: 'deselect' }
  if (key === ']') return { kind: 'bring-to-front' }
  if (key === '[') return { kind: 'send-to-back' }
  if (event.shiftKey && (key === '!' || key === '1')) return { kind: 'zoom-fit' }
  if (event.shiftKey) return null
  const tool = TOOL_KEYS[key]
  return tool ? { kind: 'tool', tool } : null
}
