/**
 * Real Chromium for the browser tests: Debian's `chromium` (installed by `pretest`,
 * scripts/ensure-tools.mjs) driven by playwright-core, which downloads no browser of its own.
 */
import { accessSync, constants } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/** Where Debian installs Chromium. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

function chromiumInstalled(): boolean {
  try {
    accessSync(CHROMIUM_PATH, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether browser tests can run: `true` when Chromium is installed, `false` locally when it is not
 * (they skip), and a thrown error in CI, where skipping would hide a broken browser path.
 */
export function requireChromium(): boolean {
  if (chromiumInstalled()) return true;
  if (process.env.CI) {
    throw new Error(
      `Chromium is required in CI but ${CHROMIUM_PATH} was not found; install it with \`apt-get install -y chromium\``,
    );
  }
  return false;
}

/** {@link requireChromium} evaluated once; use as `describe.runIf(haveChromium)`. */
export const haveChromium: boolean = requireChromium();

/** Launches headless Chromium (no sandbox: tests run as root in containers). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--no-sandbox'] });
}
