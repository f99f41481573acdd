/**
 * The broker is untrusted input (issue 4): arbitrary and mutated byte streams pushed through the
 * whole receive path of a connected MqttClient (decoder, lifecycle, session, topic streams) never
 * throw out of the client, and a stream that breaks MQTT 3.1.1 always ends the connection with a
 * typed protocol error and a failed-connection transition (R10).
 */
import fc from 'fast-check';
import * as mqtt from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import { MqttClient } from '../runtime/client.js';
import { fakeNetwork } from '../test/support/fakeTransport.js';

const valid: mqtt.Packet[] = [
  { cmd: 'publish', topic: 'a/b', payload: Buffer.from('x'), qos: 0, retain: false, dup: false },
  {
    cmd: 'publish',
    topic: 'a/c',
    payload: Buffer.from('yy'),
    qos: 1,
    messageId: 7,
    retain: false,
    dup: false,
  },
  { cmd: 'publish', topic: 'a/d', payload: Buffer.alloc(0), qos: 2, messageId: 8, retain: true, dup: false },
  { cmd: 'pubrel', messageId: 8 },
  { cmd: 'puback', messageId: 3 },
  { cmd: 'pubrec', messageId: 4 },
  { cmd: 'pubcomp', messageId: 4 },
  { cmd: 'suback', messageId: 1, granted: [1] },
  { cmd: 'unsuback', messageId: 2, granted: [] },
  { cmd: 'pingresp' },
];
const encoded = valid.map((p) => Uint8Array.from(mqtt.generate(p, { protocolVersion: 4 })));

/** A connected client on a fake transport, subscribed to `a/#` through a stream. */
function connectedClient() {
  const net = fakeNetwork();
  const client = new MqttClient({
    servers: [{ host: 'p', transport: net.factory, minDelayMs: 10, maxDelayMs: 10 }],
    clock: new SimulatedClock(),
    maxIncomingPacketBytes: 4096,
  });
  const errors: string[] = [];
  client.onEvent((e) => {
    if (e.type === 'protocol.error') errors.push(e.code);
  });
  const received: string[] = [];
  client.subscribe('a/#', { qos: 2 }).subscribe({ next: (m) => received.push(m.topic), error: () => {} });
  client.connect();
  const conn = net.connections[0];
  conn?.handlers.onOpen();
  conn?.reply({ cmd: 'connack', returnCode: 0, sessionPresent: false });
  return { client, conn, errors, received };
}

const mutated = fc
  .tuple(
    fc.array(fc.constantFrom(...encoded), { minLength: 1, maxLength: 12 }),
    fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
    fc.nat(),
  )
  .map(([packets, flips, cut]) => {
    const bytes = Uint8Array.from(packets.flatMap((p) => [...p]));
    for (const [at, value] of flips) if (bytes.length > 0) bytes[at % bytes.length] = value;
    return bytes.subarray(0, Math.max(1, bytes.length - (cut % 3)));
  });

const chunked = (bytes: Uint8Array, sizes: number[]): Uint8Array[] => {
  const out: Uint8Array[] = [];
  let at = 0;
  for (const size of sizes) {
    if (at >= bytes.length) break;
    out.push(bytes.slice(at, at + size));
    at += size;
  }
  if (at < bytes.length) out.push(bytes.slice(at));
  return out;
};

describe('the receive path under arbitrary input', () => {
  it('never throws out of the client; a violation closes the connection with a typed error', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.uint8Array({ maxLength: 300 }), mutated),
        fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 30 }),
        (bytes, sizes) => {
          const { client, conn, errors } = connectedClient();
          expect(client.isConnected()).toBe(true);
          for (const chunk of chunked(bytes, sizes)) conn?.receive(chunk);
          // Either still connected (everything was valid, perhaps incomplete), or failed with a
          // typed error into backoff; never anything in between.
          if (errors.length > 0) {
            expect(errors).toHaveLength(1);
            expect(['PROTOCOL_ERROR', 'PACKET_TOO_LARGE']).toContain(errors[0]);
            expect(client.state).toBe('backoff');
            expect(conn?.ended).toBe(true);
          } else {
            expect(client.state).toBe('connected');
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('valid packets in any chunking are handled, and QoS 2 is delivered exactly once', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 16 }), { maxLength: 40 }), (sizes) => {
        const { client, conn, errors, received } = connectedClient();
        const all = Uint8Array.from([...encoded.flatMap((p) => [...p]), ...(encoded[2] ?? [])]);
        for (const chunk of chunked(all, sizes)) conn?.receive(chunk);
        expect(errors).toEqual([]);
        expect(client.state).toBe('connected');
        // a/d (QoS 2, id 8) arrives twice on the wire, before and after its PUBREL: the second is new.
        expect(received).toEqual(['a/b', 'a/c', 'a/d', 'a/d']);
      }),
      { numRuns: 100 },
    );
  });
});
