// `pretest`: makes sure the mosquitto broker the integration tests start is installed.
// Installs it with apt-get when running as root; otherwise explains how. In CI a failed install
// is an error (the tests would otherwise skip silently); locally those tests just skip.
import { aptInstall, canInstall, hasExecutable } from './apt.mjs';

const mosquittoAvailable = () => hasExecutable('mosquitto', ['/usr/sbin/mosquitto']);
const inCi = Boolean(process.env.CI);

if (mosquittoAvailable()) process.exit(0);

if (canInstall()) {
  console.log('ensure-mosquitto: mosquitto not found, installing it with apt-get');
  // The package may start a system broker on port 1883; the tests use their own ports, so it stays.
  if (aptInstall(['mosquitto', 'mosquitto-clients']) && mosquittoAvailable()) process.exit(0);
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
