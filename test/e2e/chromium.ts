// Headless Chromium for browser tests: Debian's `chromium` package driven by playwright-core (never a browser
// download). When Chromium is missing the suite is skipped with a visible reason, or fails when the
// environment sets REQUIRE_CHROMIUM=1 (CI, where a skipped browser test would hide a broken page).
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Browser, type BrowserContext, type BrowserContextOptions, chromium } from 'playwright-core';
import { describe, it } from 'vitest';

/** The flags that keep Chromium quiet and offline on a machine with a closed network (running as root too). */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-default-apps',
  '--disable-extensions',
  '--metrics-recording-only',
  '--no-default-browser-check',
];

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** CHROMIUM_PATH, /usr/bin/chromium, or `chromium` / `chromium-browser` on PATH; undefined when none is there. */
export function findChromium(env: Record<string, string | undefined> = process.env): string | undefined {
  const candidates = [env.CHROMIUM_PATH, '/usr/bin/chromium'];
  for (const dir of (env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    candidates.push(path.join(dir, 'chromium'), path.join(dir, 'chromium-browser'));
  }
  return candidates.find((c): c is string => !!c && executable(c));
}

export const CHROMIUM_PATH = findChromium();
export const CHROMIUM_REQUIRED = process.env.REQUIRE_CHROMIUM === '1';
const MISSING = 'Chromium not found (looked for $CHROMIUM_PATH, /usr/bin/chromium and chromium on PATH); install it with `apt-get install -y chromium`';

/**
 * `describe` for a suite that needs Chromium. Without Chromium: a failing test when REQUIRE_CHROMIUM=1,
 * otherwise a skipped suite whose name says why (and a warning in the output).
 */
export function describeWithChromium(name: string, suite: () => void): void {
  if (CHROMIUM_PATH) {
    describe(name, suite);
    return;
  }
  if (CHROMIUM_REQUIRED) {
    describe(name, () => {
      it('has Chromium (REQUIRE_CHROMIUM=1)', () => {
        throw new Error(`${MISSING}. REQUIRE_CHROMIUM=1 makes this a failure rather than a skip.`);
      });
    });
    return;
  }
  console.warn(`[browser tests] skipping "${name}": ${MISSING}. Set REQUIRE_CHROMIUM=1 to make this a failure.`);
  describe.skip(`${name} (skipped: ${MISSING})`, suite);
}

export interface ChromiumSession {
  browser: Browser;
  /** A new context (fresh cookies and storage) for each page set. */
  newContext(options?: BrowserContextOptions): Promise<BrowserContext>;
  close(): Promise<void>;
}

/** Launches Debian's Chromium headless with a fresh, throw-away profile directory. */
export async function launchChromium(): Promise<ChromiumSession> {
  if (!CHROMIUM_PATH) throw new Error(MISSING);
  const profile = mkdtempSync(path.join(tmpdir(), 'amm-chromium-'));
  // playwright-core gives every launch its own empty profile; the extra directory keeps Chromium's crash
  // reports and caches out of the user's home as well.
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_ARGS, `--disk-cache-dir=${path.join(profile, 'cache')}`, `--crash-dumps-dir=${path.join(profile, 'crashes')}`],
    env: { ...process.env, HOME: profile, XDG_CONFIG_HOME: path.join(profile, 'config'), XDG_CACHE_HOME: path.join(profile, 'cache') },
    timeout: 60_000,
  });
  return {
    browser,
    newContext: (options) => browser.newContext(options),
    close: async () => {
      await browser.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
