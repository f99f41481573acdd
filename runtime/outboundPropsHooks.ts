/**
 * What the client itself calls of the MQTT 5 outbound-properties table (R290, R295, R304): apart
 * from the table (runtime/outboundProps.ts, made by the MQTT 5 profile) so that a client built
 * without that profile, such as the default browser one, bundles none of the table or its codec.
 *
 * @module
 */
import { InvalidArgumentError } from '../errors.js';
import type { SubscriptionOptionsV5 } from '../protocol/v5/messagePropsSubscribe.js';
import type { OutboundProps, OutboundPropsFactory, PropsConnection, PropsSession } from './outboundProps.js';

/** The MQTT 5 profile's factory of the table, if the client has that profile. */
const factoryOf = (connection: PropsConnection): OutboundPropsFactory | undefined =>
  (connection.config.mqtt5 as { readonly createOutboundProps?: OutboundPropsFactory } | undefined)
    ?.createOutboundProps;

/**
 * The client's table of outbound properties, made on first use by the MQTT 5 profile and kept on
 * its connection, where the MQTT 5 transport finds it (R290).
 * @param connection - The client's connection.
 * @param session - The client's session.
 * @throws {@link InvalidArgumentError} without the MQTT 5 profile (no server can speak 5).
 */
export function outboundPropsOf(connection: PropsConnection, session: PropsSession): OutboundProps {
  if (connection.outboundProps !== undefined) return connection.outboundProps;
  const create = factoryOf(connection);
  if (create === undefined) {
    throw new InvalidArgumentError(
      'MQTT 5 properties and subscription options are MQTT 5 only, and this client has no MQTT 5 profile (protocolVersion 4)',
    );
  }
  return create(connection, session);
}

/**
 * Makes the table at once when the session store restored MQTT 5 properties (R304), so restored
 * messages go with them (and expire by them) even if this process publishes none. A client
 * without the MQTT 5 profile cannot send them: its messages go as they are, without.
 * @param connection - The client's connection.
 * @param session - The client's session.
 */
export function adoptRestoredProps(connection: PropsConnection, session: PropsSession): void {
  if (connection.restoredAnnexes === undefined) return;
  if (factoryOf(connection) === undefined) connection.restoredAnnexes = undefined;
  else outboundPropsOf(connection, session);
}

/** Whether subscribe options name any MQTT 5 option (R295). */
export function hasV5Options(o: SubscriptionOptionsV5): boolean {
  return (
    o.noLocal !== undefined ||
    o.retainAsPublished !== undefined ||
    o.retainHandling !== undefined ||
    o.subscriptionIdentifier !== undefined
  );
}
