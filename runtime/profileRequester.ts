/**
 * The requester of `MqttClient.request()` (R297), which only the MQTT 5 profile makes (R350): a
 * client without that profile carries none of its code, and says so when asked for one.
 */
import { InvalidArgumentError } from '../errors.js';
import type { RequestSender } from '../streams/request.js';
import type { RequestClient, RequestOptions } from './request.js';

/**
 * The requester of `client`, made by its MQTT 5 profile.
 * @param mqtt5 - The client's `mqtt5` option (the profile), if any.
 * @param client - The client the requester publishes and subscribes with.
 * @throws {@link InvalidArgumentError} without the MQTT 5 profile.
 */
export function profileRequester(mqtt5: unknown, client: RequestClient): RequestSender<RequestOptions> {
  const profile = mqtt5 as
    | { readonly requester?: (client: RequestClient) => RequestSender<RequestOptions> }
    | undefined;
  if (profile?.requester === undefined) {
    throw new InvalidArgumentError(
      "request() is MQTT 5 only (Response Topic, Correlation Data), and this client has no MQTT 5 profile: pass `mqtt5` from 'mqtt-lifeline/browser/mqtt5'",
    );
  }
  return profile.requester(client);
}
