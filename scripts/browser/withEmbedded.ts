/**
 * What `npm run size` measures for an app machine that embeds the browser client: the embedded
 * logic of `mqtt-lifeline/browser/embedded` (spec R186), which carries the client and the actor it
 * runs the statechart in.
 *
 * @module
 */
export { mqttClientLogic } from '../../browserEmbedded.js';
