// `pretest`: makes sure Debian's Chromium, which the browser tests drive with playwright-core, is
// installed (playwright's own browser download needs the internet; the Debian package does not).
// Installs it with apt-get when running as root. In CI a browser that cannot be installed fails
// the run; locally the browser tests skip, and this says how to install it.
import { aptInstall, canInstall, hasExecutable } from './apt.mjs';

/** Where the browser tests expect Chromium (test/support/chromium.ts). */
const CHROMIUM = '/usr/bin/chromium';
const chromiumAvailable = () => hasExecutable('chromium', [CHROMIUM]);
const inCi = Boolean(process.env.CI);

if (chromiumAvailable()) process.exit(0);

if (canInstall()) {
  console.log('ensure-chromium: chromium not found, installing it with apt-get (about a minute)');
  if (aptInstall(['chromium']) && chromiumAvailable()) process.exit(0);
  console.error('ensure-chromium: installing chromium with apt-get failed');
  process.exit(inCi ? 1 : 0);
}

const how = 'install it with `sudo apt-get install -y chromium`';
if (inCi) {
  console.error(`ensure-chromium: chromium is required in CI and was not found; ${how}`);
  process.exit(1);
}
console.warn(`ensure-chromium: chromium is not installed, so the browser tests will be skipped; ${how}`);
