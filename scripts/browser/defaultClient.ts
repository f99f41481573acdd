/**
 * The default browser client as an app bundles it (spec R123, R232): `MqttClient` from the
 * browser entry, with its defaults. What an app adds by passing it (the actor driver, store
 * recovery) is measured with the whole entry instead, so it stays out of this figure.
 *
 * @module
 */
export { MqttClient } from '../../browser.js';
