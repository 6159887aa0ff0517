/** The set of selected shape ids, shared by the select tool, the style controls and keys. */
export class Selection {
  #ids = new Set<string>()
  readonly #listeners = new Set<() => void>()

  get ids(): ReadonlySet<string> {
    return this.#ids
  }

  get size(): number {
    return this.#ids.size
  }

  has(id: string): boolean {
    return this.#ids.has(id)
  }

  set(ids: Iterable<string>): void {
    this.#ids = new Set(ids)
    this.#changed()
  }

  toggle(id: string): void {
    if (!this.#ids.delete(id)) this.#ids.add(id)
    this.#changed()
  }

  clear(): void {
    if (this.#ids.size === 0) return
    this.#ids = new Set()
    this.#changed()
  }

  /** Drops ids that no longer exist (deleted by anyone). */
  retain(exists: (id: string) => boolean): void {
    const kept = [...this.#ids].filter(exists)
    if (kept.length !== this.#ids.size) this.set(kept)
  }

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  #changed(): void {
    for (const listener of this.#listeners) listener()
  }
}
