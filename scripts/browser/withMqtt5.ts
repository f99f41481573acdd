/**
 * What `npm run size` measures for a browser client that speaks MQTT 5: the browser client and the
 * MQTT 5 profile it is passed (`mqtt-lifeline/browser/mqtt5`, spec R185), as an app importing both
 * bundles them.
 *
 * @module
 */
export { MqttClient } from '../../browser.js';
export { mqtt5 } from '../../browserMqtt5.js';
