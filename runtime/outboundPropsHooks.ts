/**
 * What the client itself calls of the MQTT 5 outbound-properties table (R290, R295, R304): apart
 * from the table (runtime/outboundProps.ts, made by the MQTT 5 profile) so that a client built
 * without that profile, such as the default browser one, bundles none of the table or its codec.
 *
 * @module
 */
import { InvalidArgumentError } from '../errors.js';
import type { SubscriptionOptionsV5 } from '../protocol/v5/messagePropsSubscribe.js';
import type { OutboundProps, OutboundPropsFactory, OutboundPropsHost } from './outboundProps.js';

/** What {@link outboundPropsOf} reads of the client's connection. */
interface PropsConnection {
  outboundProps: OutboundProps | undefined;
  /** Store annexes of restored messages, until the table takes them (R304). */
  restoredAnnexes: Map<number, Uint8Array> | undefined;
  readonly clock: { now(): number; wallNow?(): number };
  readonly options: { readonly servers: readonly { readonly protocolVersion: 4 | 5 }[] };
  /** The MQTT 5 profile, which makes the table, so a 3.1.1-only bundle carries none of it. */
  readonly config: { readonly mqtt5?: unknown };
}

/**
 * The client's table of outbound properties, made on first use by the MQTT 5 profile and kept on
 * its connection, where the MQTT 5 transport finds it (R290).
 * @param connection - The client's connection.
 * @param session - The client's session.
 * @throws {@link InvalidArgumentError} without the MQTT 5 profile (no server can speak 5).
 */
export function outboundPropsOf(
  connection: PropsConnection,
  session: Pick<OutboundPropsHost, 'publish'> & { readonly maxFiltersPerSubscribe: number },
): OutboundProps {
  if (connection.outboundProps !== undefined) return connection.outboundProps;
  const create = (
    connection.config.mqtt5 as { readonly createOutboundProps?: OutboundPropsFactory } | undefined
  )?.createOutboundProps;
  if (create === undefined) {
    throw new InvalidArgumentError(
      'MQTT 5 properties and subscription options are MQTT 5 only, and this client has no MQTT 5 profile (protocolVersion 4)',
    );
  }
  connection.outboundProps = create({
    publish: (topic, payload, qos, retain, done) => session.publish(topic, payload, qos, retain, done),
    now: () => connection.clock.now(),
    wallNow: () => connection.clock.wallNow?.() ?? connection.clock.now(),
    allV5: () => connection.options.servers.every((s) => s.protocolVersion === 5),
    maxFiltersPerSubscribe: () => session.maxFiltersPerSubscribe,
  });
  const restored = connection.restoredAnnexes;
  connection.restoredAnnexes = undefined;
  for (const [id, annex] of restored ?? []) connection.outboundProps.restore(id, annex);
  return connection.outboundProps;
}

/**
 * Makes the table at once when the session store restored MQTT 5 properties (R304), so restored
 * messages go with them (and expire by them) even if this process publishes none. A client
 * without the MQTT 5 profile cannot send them: its messages go as they are, without.
 * @param connection - The client's connection.
 * @param session - The client's session.
 */
export function adoptRestoredProps(
  connection: PropsConnection,
  session: Pick<OutboundPropsHost, 'publish'> & { readonly maxFiltersPerSubscribe: number },
): void {
  if (connection.restoredAnnexes === undefined) return;
  const profile = connection.config.mqtt5 as { readonly createOutboundProps?: unknown } | undefined;
  if (profile?.createOutboundProps === undefined) connection.restoredAnnexes = undefined;
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

/** The filters of a `subscribeAsync` request. */
export function filtersOf(
  request: string | { readonly filter: string } | readonly (string | { readonly filter: string })[],
): string[] {
  if (typeof request === 'string') return [request];
  if (!Array.isArray(request)) return [(request as { readonly filter: string }).filter];
  return (request as readonly (string | { readonly filter: string })[]).map((r) =>
    typeof r === 'string' ? r : r.filter,
  );
}
