// `pretest`: makes sure the system tools the tests drive are installed from Debian: the mosquitto
// broker (integration tests), Chromium (browser tests, driven by playwright-core; playwright's own
// browser download needs the internet, the Debian package does not) and Graphviz (the diagram's
// rendering test). Installs what is missing with apt-get when running as root. In CI a tool that
// cannot be installed fails the run; locally the tests that need it skip, and this says how to
// install it.
import { aptInstall, canInstall, hasExecutable } from './apt.mjs';

/** Each tool: the executable the tests look for, where else it may live, and its Debian packages. */
const TOOLS = [
  // The package may start a system broker on port 1883; the tests use their own ports, so it stays.
  { exe: 'mosquitto', paths: ['/usr/sbin/mosquitto'], packages: ['mosquitto', 'mosquitto-clients'] },
  { exe: 'chromium', paths: ['/usr/bin/chromium'], packages: ['chromium'] },
  { exe: 'dot', paths: ['/usr/bin/dot'], packages: ['graphviz'] },
  // The aedes cluster's shared store (test/support/cluster.ts); the tests run their own, without a service.
  { exe: 'redis-server', paths: ['/usr/bin/redis-server'], packages: ['redis-server'] },
];

const inCi = Boolean(process.env.CI);
const missing = () => TOOLS.filter((tool) => !hasExecutable(tool.exe, tool.paths));

let absent = missing();
if (absent.length > 0 && canInstall()) {
  const packages = absent.flatMap((tool) => tool.packages);
  console.log(`ensure-tools: installing ${packages.join(', ')} with apt-get (about a minute)`);
  aptInstall(packages);
  absent = missing();
}
if (absent.length === 0) process.exit(0);

const how = `sudo apt-get install -y ${absent.flatMap((tool) => tool.packages).join(' ')}`;
const names = absent.map((tool) => tool.exe).join(', ');
if (inCi) {
  console.error(`ensure-tools: ${names} required in CI and not installed; install with \`${how}\``);
  process.exit(1);
}
console.warn(`ensure-tools: ${names} not installed, so the tests that need them skip; \`${how}\``);
