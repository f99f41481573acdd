// `pretest`: makes sure the mosquitto broker the integration tests start is installed.
// Installs it with apt-get when running as root; otherwise explains how. In CI a failed install
// is an error (the tests would otherwise skip silently); locally those tests just skip.
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Whether an executable called `name` is at one of `extraPaths` or on PATH. */
function hasExecutable(name, extraPaths = []) {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  return [...extraPaths, ...dirs.map((dir) => join(dir, name))].some((path) => {
    try {
      accessSync(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

const mosquittoAvailable = () => hasExecutable('mosquitto', ['/usr/sbin/mosquitto']);
const inCi = Boolean(process.env.CI);

/** Runs apt-get with the terminal attached (so progress and errors show); true on success. */
function aptGet(...args) {
  const result = spawnSync('apt-get', args, {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  return result.status === 0;
}

function install() {
  const packages = ['install', '-y', '-qq', 'mosquitto', 'mosquitto-clients'];
  // A fresh container often has no package lists yet; only then is the slow update worth it.
  return aptGet(...packages) || (aptGet('update', '-qq') && aptGet(...packages));
}

if (mosquittoAvailable()) process.exit(0);

const isRoot = process.getuid?.() === 0;
if (isRoot && hasExecutable('apt-get')) {
  console.log('ensure-mosquitto: mosquitto not found, installing it with apt-get');
  // The package may start a system broker on port 1883; the tests use their own ports, so it stays.
  if (install() && mosquittoAvailable()) process.exit(0);
  console.error('ensure-mosquitto: installing mosquitto with apt-get failed');
  process.exit(inCi ? 1 : 0);
}

// Not fatal even in CI: the other tests still run and report, and the broker tests fail loudly
// there (test/support/brokers.ts throws when mosquitto is missing and CI is set).
const consequence = inCi
  ? 'the broker integration tests will fail'
  : 'the broker integration tests will be skipped';
console.warn(
  `ensure-mosquitto: mosquitto is not installed, so ${consequence}; install it with \`sudo apt-get install -y mosquitto\``,
);
