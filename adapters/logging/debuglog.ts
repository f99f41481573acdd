/**
 * Node's convention for opt-in traces: `NODE_DEBUG=mqtt-lifeline node app.js` writes the trace
 * (spec R90) to stderr through `util.debuglog`. Only the Node entry imports this file, so the
 * browser path never loads `node:util`.
 *
 * @module
 */
import { debuglog } from 'node:util';
import { setDefaultLogger } from '../../runtime/trace.js';

/**
 * Makes `util.debuglog('mqtt-lifeline')` the default logger when `NODE_DEBUG` enables that
 * section; otherwise leaves tracing off (and free).
 * @returns Whether tracing was turned on.
 */
export function wireNodeDebuglog(): boolean {
  const log = debuglog('mqtt-lifeline');
  if (!log.enabled) return false;
  setDefaultLogger((line) => log('%s', line));
  return true;
}
