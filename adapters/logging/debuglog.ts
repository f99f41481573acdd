/**
 * Node's convention for opt-in traces: `NODE_DEBUG=mqtt-lifeline node app.js` writes the trace
 * (spec R90) to stderr through `util.debuglog`. Only Node's defaults (adapters/node.ts) use this
 * file, so the browser path never loads `node:util`.
 *
 * @module
 */
import { debuglog } from 'node:util';
import type { Logger } from '../../runtime/ports.js';

/**
 * `util.debuglog('mqtt-lifeline')` as a {@link Logger} when `NODE_DEBUG` enables that section.
 * @returns The logger, or undefined: tracing off, and free.
 */
export function nodeDebugLogger(): Logger | undefined {
  const log = debuglog('mqtt-lifeline');
  return log.enabled ? (line) => log('%s', line) : undefined;
}
