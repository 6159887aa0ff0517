/**
 * A strict, minimal XML 1.0 reader for the tests (there is no XML parser among our
 * dependencies, and Node has no DOMParser). It accepts what exportSvg may produce: an optional
 * declaration, one root element, attributes in double or single quotes, text, the five
 * predefined entities and character references. It refuses anything malformed: unbalanced or
 * crossed tags, duplicate attributes, a bare `&` or `<`, characters XML forbids, content
 * after the root.
 */

export interface XmlElement {
  name: string
  attributes: Record<string, string>
  children: XmlElement[]
  /** The element's own character data, entities resolved (not its descendants'). */
  text: string
}

const NAME = /[A-Za-z_:][A-Za-z0-9_:.-]*/y
const SPACE = /[ \t\r\n]*/y
const FORBIDDEN = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }

export function parseXml(source: string): XmlElement {
  if (FORBIDDEN.test(source)) throw new Error('character not allowed in XML')
  let pos = 0

  const fail = (message: string): never => {
    throw new Error(`${message} at ${pos}: ${JSON.stringify(source.slice(pos, pos + 30))}`)
  }
  const skipSpace = () => {
    SPACE.lastIndex = pos
    SPACE.exec(source)
    pos = SPACE.lastIndex
  }
  const name = (): string => {
    NAME.lastIndex = pos
    const match = NAME.exec(source)
    if (!match) return fail('expected a name')
    pos = NAME.lastIndex
    return match[0]
  }
  const expect = (literal: string) => {
    if (!source.startsWith(literal, pos)) fail(`expected ${literal}`)
    pos += literal.length
  }
  const characters = (raw: string): string => {
    if (raw.includes('<')) fail('bare <')
    return raw.replace(/&([^;]*);|&/g, (whole, ref: string | undefined) => {
      if (ref === undefined) return fail('bare &')
      if (ref in ENTITIES) return ENTITIES[ref]!
      const code = /^#x[0-9a-fA-F]+$/.test(ref)
        ? parseInt(ref.slice(2), 16)
        : /^#[0-9]+$/.test(ref)
          ? parseInt(ref.slice(1), 10)
          : NaN
      if (!(code <= 0x10ffff)) return fail(`unknown entity ${whole}`)
      const char = String.fromCodePoint(code)
      if (FORBIDDEN.test(char)) fail(`forbidden character reference ${whole}`)
      return char
    })
  }
  const element = (): XmlElement => {
    expect('<')
    const tag = name()
    const attributes: Record<string, string> = {}
    for (;;) {
      const before = pos
      skipSpace()
      if (source.startsWith('/>', pos)) {
        pos += 2
        return { name: tag, attributes, children: [], text: '' }
      }
      if (source.startsWith('>', pos)) {
        pos += 1
        break
      }
      if (pos === before) fail('expected space between attributes')
      const key = name()
      if (key in attributes) fail(`duplicate attribute ${key}`)
      skipSpace()
      expect('=')
      skipSpace()
      const quote = source[pos]
      if (quote !== '"' && quote !== "'") return fail('expected a quoted value')
      const end = source.indexOf(quote, pos + 1)
      if (end < 0) fail('unterminated attribute')
      attributes[key] = characters(source.slice(pos + 1, end))
      pos = end + 1
    }
    const children: XmlElement[] = []
    let text = ''
    for (;;) {
      const next = source.indexOf('<', pos)
      if (next < 0) fail(`unclosed <${tag}>`)
      text += characters(source.slice(pos, next))
      pos = next
      if (source.startsWith('</', pos)) {
        pos += 2
        if (name() !== tag) fail(`mismatched </…> for <${tag}>`)
        skipSpace()
        expect('>')
        return { name: tag, attributes, children, text }
      }
      children.push(element())
    }
  }

  if (source.startsWith('<?xml', pos)) {
    const end = source.indexOf('?>', pos)
    if (end < 0) fail('unterminated declaration')
    pos = end + 2
  }
  skipSpace()
  const root = element()
  skipSpace()
  if (pos !== source.length) fail('content after the root element')
  return root
}
