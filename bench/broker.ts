/**
 * The benchmark's mosquitto: the test helper's launcher with a configuration that keeps the
 * broker out of the way (no queue or in-flight caps that would drop or throttle a burst, no
 * Nagle delay on its side, no per-connection log lines).
 */
import { spawnSync } from 'node:child_process';
import { type MosquittoHandle, mosquittoPath, startMosquitto } from '../test/support/brokers.js';

/** Extra mosquitto.conf lines (the launcher adds the listener, `persistence false` and `allow_anonymous true`). */
export const BENCH_MOSQUITTO_CONFIG = [
  // The QoS 0 burst and the 1,000-message windows must not hit the default caps (1000 queued, 20 in flight).
  'max_queued_messages 100000',
  'max_inflight_messages 0',
  // Without it mosquitto's own Nagle delay would dominate the round-trip latencies of both clients.
  'set_tcp_nodelay true',
  // 1,000 connections would otherwise mean 2,000 log lines per run.
  'connection_messages false',
].join('\n');

/** How to get mosquitto, for the error when it is missing. */
const INSTALL_HINT =
  'Install it: `sudo apt-get install -y mosquitto` (Debian/Ubuntu), `sudo dnf install mosquitto` ' +
  '(Fedora), `brew install mosquitto` (macOS); the binary is looked for in /usr/sbin and on PATH.';

/** Throws a readable error when mosquitto is not installed; returns its path otherwise. */
export function requireMosquittoBinary(): string {
  const path = mosquittoPath();
  if (path === undefined)
    throw new Error(`The benchmark needs the mosquitto broker, which was not found. ${INSTALL_HINT}`);
  return path;
}

/** Starts mosquitto with its default configuration (only the launcher's listener lines) on a free loopback port. */
export function startStockBroker(): Promise<MosquittoHandle> {
  requireMosquittoBinary();
  return startMosquitto({});
}

/** Starts the benchmark broker on a free loopback port. */
export function startBenchBroker(port?: number): Promise<MosquittoHandle> {
  requireMosquittoBinary();
  return startMosquitto({ config: BENCH_MOSQUITTO_CONFIG, ...(port === undefined ? {} : { port }) });
}

/** The installed mosquitto's version line, e.g. `2.0.11`. */
export function mosquittoVersion(): string {
  // `mosquitto -h` prints the version and exits non-zero; only its text matters.
  const result = spawnSync(requireMosquittoBinary(), ['-h'], { encoding: 'utf8' });
  const match = /mosquitto version (\S+)/.exec(`${result.stdout}${result.stderr}`);
  return match?.[1] ?? 'unknown';
}
