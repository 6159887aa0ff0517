/** Saving an export: the browser's own download, started from a temporary object URL. */

export function downloadBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob)
  const anchor = document.createElement('a')
  anchor.href = url
  anchor.download = filename
  anchor.style.display = 'none'
  document.body.append(anchor)
  anchor.click()
  anchor.remove()
  // Revoking at once can cancel the download in some browsers; it only needs to start.
  setTimeout(() => URL.revokeObjectURL(url), 60_000)
}

export type ExportKind = 'png' | 'svg' | 'board'

/** `peerboard-2025-01-31-1405.png`: sorts by date, and says what it is. */
export function exportFileName(kind: ExportKind, now: Date = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, '0')
  const stamp =
    `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}` +
    `-${pad(now.getHours())}${pad(now.getMinutes())}`
  return `peerboard-${stamp}.${kind === 'board' ? 'json' : kind}`
}

export const BOARD_FILE_TYPE = 'application/json'
export const SVG_TYPE = 'image/svg+xml'
