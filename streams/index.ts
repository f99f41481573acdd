/** RxJS streams over an {@link MqttClient}: small pure functions, one idea per file. */
export { type DecodeErrorHandler, type DecodeOptions, decode } from './decode.js';
export { events$, ofType } from './events.js';
export { json, messages$, subscribe, text } from './messages.js';
export type { StreamSource } from './source.js';
export { state$ } from './state.js';
export { whenState } from './whenState.js';
