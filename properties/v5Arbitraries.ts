/**
 * Arbitraries of the MQTT 5 inputs of the statechart, shared by the MQTT 5, authentication and
 * chart-step properties: CONNACKs and server DISCONNECTs with their reason codes (R260-R271), and
 * the enhanced-authentication events (R310-R317).
 */
import fc from 'fast-check';
import type { ConnectionEvent } from '../machines/events.js';

const referenceArb = fc.option(
  fc.array(fc.constantFrom('ref-x', 'ref-y', 's0'), { minLength: 1, maxLength: 2 }),
  {
    nil: undefined,
  },
);
const withReference = (event: ConnectionEvent, reference: readonly string[] | undefined): ConnectionEvent =>
  reference === undefined ? event : ({ ...event, serverReference: reference } as ConnectionEvent);

/** An MQTT 5 CONNACK: success, refusals, busy codes, redirects with or without a reference, Server Keep Alive, assigned ids (R260-R270). */
export const connackArb: fc.Arbitrary<ConnectionEvent> = fc
  .record({
    reasonCode: fc.constantFrom(0, 0, 0x80, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8c, 0x97, 0x9c, 0x9d, 0x9f),
    reference: referenceArb,
    keepAlive: fc.option(fc.constantFrom(0, 1000, 5000, 90_000), { nil: undefined }),
    id: fc.option(fc.constantFrom('auto-1', 'auto-2'), { nil: undefined }),
  })
  .map(({ reasonCode, reference, keepAlive, id }) =>
    withReference(
      {
        type: 'mqtt5.connack',
        reasonCode,
        sessionPresent: false,
        ...(keepAlive === undefined ? {} : { serverKeepAliveMs: keepAlive }),
        ...(id === undefined ? {} : { assignedClientId: id }),
      },
      reference,
    ),
  );

/** A server DISCONNECT: drops, busy, 0x8B fail-over, 0x8E take-over, redirects (R262-R267). */
export const disconnectArb: fc.Arbitrary<ConnectionEvent> = fc
  .record({
    reasonCode: fc.constantFrom(0, 0x89, 0x8b, 0x8b, 0x8d, 0x8e, 0x97, 0x98, 0x9c, 0x9d),
    reference: referenceArb,
  })
  .map(({ reasonCode, reference }) => withReference({ type: 'mqtt5.disconnect', reasonCode }, reference));

/** Broker AUTH 0x18 / 0x00, the user's re-authentication, and CONNACKs and DISCONNECTs around them (R310-R317). */
export const authEventArb: fc.Arbitrary<ConnectionEvent> = fc.constantFrom<ConnectionEvent>(
  { type: 'mqtt5.auth', reasonCode: 0x18 },
  { type: 'mqtt5.auth', reasonCode: 0x18 },
  { type: 'mqtt5.auth', reasonCode: 0x00 },
  { type: 'client.reauthenticate' },
  { type: 'client.reauthenticate' },
  { type: 'mqtt5.connack', reasonCode: 0, sessionPresent: false },
  { type: 'mqtt5.connack', reasonCode: 0x86, sessionPresent: false },
  { type: 'mqtt5.connack', reasonCode: 0x8c, sessionPresent: false },
  { type: 'mqtt5.disconnect', reasonCode: 0x87 },
  { type: 'mqtt5.disconnect', reasonCode: 0x8c },
  { type: 'mqtt5.disconnect', reasonCode: 0x00 },
);
