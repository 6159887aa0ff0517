/**
 * The one error an import shows to the person: its message is written for them, so the UI can
 * display it as is. Anything else thrown during an import is a bug, not a bad file.
 */
export class ImportError extends Error {
  override readonly name = 'ImportError'
}
