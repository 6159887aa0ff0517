/** 24×24 stroke icons (paths), kept as data so buttons stay plain markup. */
export const ICONS: Record<string, string> = {
  pen: 'M4 20l4-1 11-11-3-3L5 16l-1 4z M14 6l3 3',
  highlighter: 'M6 14l5 5 9-9-5-5-9 9z M6 14l-2 6 6-1 M4 21h8',
  eraser: 'M8 20h12 M5 15l9-9 5 5-9 9H8l-3-3z M10 9l5 5',
  line: 'M5 19L19 5',
  arrow: 'M5 19L19 5 M10 5h9v9',
  rect: 'M4 6h16v12H4z',
  ellipse: 'M12 5c5 0 8 3 8 7s-3 7-8 7-8-3-8-7 3-7 8-7z',
  text: 'M5 6V4h14v2 M12 4v16 M9 20h6',
  select: 'M5 3l14 8-6 2-3 6L5 3z',
  hand: 'M8 13V6a1.5 1.5 0 013 0v5 M11 11V4.5a1.5 1.5 0 013 0V11 M14 11V6a1.5 1.5 0 013 0v7c0 4-3 7-6 7s-5-1-7-5l-1.5-3a1.5 1.5 0 012.5-1.5L8 13',
  undo: 'M9 14L4 9l5-5 M4 9h10a6 6 0 010 12h-3',
  redo: 'M15 14l5-5-5-5 M20 9H10a6 6 0 000 12h3',
}
