/**
 * The usual end-to-end setup: one real server process and one Chromium for a test file, a
 * fresh browser context per person, all of it stopped afterwards.
 */
import type { Browser, BrowserContext } from 'playwright-core'
import { afterAll, afterEach, beforeAll } from 'vitest'
import { launchBrowser, newPerson, openBoard, type BoardPage } from './browser'
import { freePort } from './ports'
import { startServer, type ServerProcess } from './server-process'

export interface Session {
  /** The shared server's base URL (valid inside tests). */
  readonly url: string
  readonly browser: Browser
  /** Opens a board as a new person (own storage), at `url` or a new board by default. */
  person(url?: string): Promise<BoardPage>
}

/** `browserArgs`: extra Chromium flags for this file's browser (e.g. a fake microphone file). */
export function useSession(options: { browserArgs?: () => string[] } = {}): Session {
  let server: ServerProcess | undefined
  let browser: Browser | undefined
  const contexts: BrowserContext[] = []

  beforeAll(async () => {
    server = await startServer(await freePort())
    browser = await launchBrowser(options.browserArgs?.() ?? [])
  })
  afterEach(async () => {
    for (const context of contexts.splice(0)) await context.close().catch(() => undefined)
  })
  afterAll(async () => {
    await browser?.close()
    await server?.kill()
  })

  const session: Session = {
    get url() {
      if (!server) throw new Error('the session starts in beforeAll')
      return server.url
    },
    get browser() {
      if (!browser) throw new Error('the session starts in beforeAll')
      return browser
    },
    async person(url?: string) {
      const context = await newPerson(session.browser)
      contexts.push(context)
      return openBoard(context, url ?? `${session.url}/`)
    },
  }
  return session
}
