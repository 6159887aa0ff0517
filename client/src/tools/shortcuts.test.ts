import { describe, expect, it } from 'vitest'
import {
  shortcutFor,
  TOOL_KEYS,
  TOOL_SHORTCUT,
  type KeyLike,
  type ShortcutAction,
} from './shortcuts'

function key(value: string, modifiers: Partial<Omit<KeyLike, 'key'>> = {}): KeyLike {
  return {
    key: value,
    ctrlKey: false,
    metaKey: false,
    shiftKey: false,
    altKey: false,
    ...modifiers,
  }
}

const ctrl = { ctrlKey: true }
const cmd = { metaKey: true }

describe('shortcutFor', () => {
  it('picks tools with single letters, in either case', () => {
    const expected = {
      p: 'pen',
      h: 'highlighter',
      e: 'eraser',
      l: 'line',
      a: 'arrow',
      r: 'rect',
      o: 'ellipse',
      t: 'text',
      v: 'select',
    } as const
    for (const [letter, tool] of Object.entries(expected)) {
      expect(shortcutFor(key(letter))).toEqual({ kind: 'tool', tool })
      // Caps Lock on.
      expect(shortcutFor(key(letter.toUpperCase()))).toEqual({ kind: 'tool', tool })
    }
    expect(TOOL_KEYS).toEqual(expected)
    expect(TOOL_SHORTCUT.pen).toBe('P')
    expect(TOOL_SHORTCUT.select).toBe('V')
    expect(TOOL_SHORTCUT.hand).toBeUndefined()
  })

  it('does not pick a tool for letters with Shift, or for unmapped keys', () => {
    expect(shortcutFor(key('P', { shiftKey: true }))).toBeNull()
    expect(shortcutFor(key('x'))).toBeNull()
    expect(shortcutFor(key('Enter'))).toBeNull()
    expect(shortcutFor(key(' '))).toBeNull()
  })

  it('undoes with Ctrl/Cmd+Z and redoes with Shift+Ctrl/Cmd+Z or Ctrl/Cmd+Y', () => {
    for (const command of [ctrl, cmd]) {
      expect(shortcutFor(key('z', command))).toEqual({ kind: 'undo' })
      expect(shortcutFor(key('Z', { ...command, shiftKey: true }))).toEqual({ kind: 'redo' })
      expect(shortcutFor(key('y', command))).toEqual({ kind: 'redo' })
    }
    // Without the command key, Z is no shortcut at all.
    expect(shortcutFor(key('z'))).toBeNull()
  })

  it('maps editing keys', () => {
    const table: [KeyLike, ShortcutAction][] = [
      [key('Delete'), { kind: 'delete' }],
      [key('Backspace'), { kind: 'delete' }],
      [key('a', ctrl), { kind: 'select-all' }],
      [key('a', cmd), { kind: 'select-all' }],
      [key('d', ctrl), { kind: 'duplicate' }],
      [key('d', cmd), { kind: 'duplicate' }],
      [key('Escape'), { kind: 'deselect' }],
      [key(']'), { kind: 'bring-to-front' }],
      [key('['), { kind: 'send-to-back' }],
    ]
    for (const [event, action] of table) expect(shortcutFor(event)).toEqual(action)
    // Plain A is the arrow tool, not select-all.
    expect(shortcutFor(key('a'))).toEqual({ kind: 'tool', tool: 'arrow' })
  })

  it('maps zoom keys', () => {
    const table: [KeyLike, ShortcutAction][] = [
      [key('=', ctrl), { kind: 'zoom-in' }],
      [key('+', { ...ctrl, shiftKey: true }), { kind: 'zoom-in' }],
      [key('-', cmd), { kind: 'zoom-out' }],
      [key('0', ctrl), { kind: 'zoom-reset' }],
      [key('!', { shiftKey: true }), { kind: 'zoom-fit' }],
      [key('1', { shiftKey: true }), { kind: 'zoom-fit' }],
    ]
    for (const [event, action] of table) expect(shortcutFor(event)).toEqual(action)
    expect(shortcutFor(key('1'))).toBeNull()
    expect(shortcutFor(key('0'))).toBeNull()
  })

  it('leaves Alt combinations and unknown command keys to the browser', () => {
    for (const value of ['z', 'y', 'a', 'd', 'p', 'Delete', 'Escape', ']', '=', '!']) {
      expect(shortcutFor(key(value, { altKey: true }))).toBeNull()
      expect(shortcutFor(key(value, { altKey: true, ctrlKey: true }))).toBeNull()
    }
    expect(shortcutFor(key('s', ctrl))).toBeNull()
    expect(shortcutFor(key('p', cmd))).toBeNull()
    expect(shortcutFor(key('Backspace', ctrl))).toBeNull()
  })
})
