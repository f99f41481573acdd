/**
 * The wire validator catches each kind of breach (spec R220-R224) and passes correct traffic, and
 * its transport wrapper sees every packet a real client writes (spec R225).
 */
import * as net from 'node:net';
import * as mqtt from 'mqtt-packet';
import { firstValueFrom, take, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { waitForClientEvent } from './clientEvents.js';
import { connect, server, useResources } from './integration.js';
import { startWireTap } from './wireTap.js';
import { type ViolationKind, type WireConnection, WireValidator } from './wireValidator.js';

const bytes = (packet: mqtt.Packet): Uint8Array => mqtt.generate(packet);
const CONNECT: mqtt.Packet = {
  cmd: 'connect',
  clientId: 'c',
  protocolVersion: 4,
  clean: false,
  keepalive: 0,
};
const connack = (sessionPresent: boolean): mqtt.Packet => ({ cmd: 'connack', returnCode: 0, sessionPresent });
const pub = (messageId: number, qos: 0 | 1 | 2 = 1, dup = false): mqtt.Packet => ({
  cmd: 'publish',
  topic: 't',
  payload: Buffer.from('x'),
  qos,
  dup,
  retain: false,
  ...(qos === 0 ? {} : { messageId }),
});
const ack = (cmd: 'puback' | 'pubrec' | 'pubrel' | 'pubcomp', messageId: number): mqtt.Packet => ({
  cmd,
  messageId,
});

/** A validator with one connection open and CONNECT / CONNACK exchanged. */
function session(options: ConstructorParameters<typeof WireValidator>[0] = {}, sessionPresent = false) {
  const validator = new WireValidator(options);
  let line: WireConnection = validator.connection();
  const open = (present: boolean) => {
    line.client(bytes(CONNECT));
    line.server(bytes(connack(present)));
  };
  open(sessionPresent);
  return {
    validator,
    client: (...packets: mqtt.Packet[]) => {
      for (const p of packets) line.client(bytes(p));
    },
    server: (...packets: mqtt.Packet[]) => {
      for (const p of packets) line.server(bytes(p));
    },
    reconnect(present: boolean) {
      line.closed();
      line = validator.connection();
      open(present);
    },
    kinds: (): ViolationKind[] => validator.violations.map((v) => v.kind),
  };
}

describe('WireValidator', () => {
  it('passes a correct exchange: QoS 1 and 2 flows, ids reused only after completion, re-sends with DUP after a reconnect', () => {
    const s = session();
    s.client(pub(1, 1), pub(2, 2), {
      cmd: 'subscribe',
      messageId: 3,
      subscriptions: [{ topic: 'a', qos: 1 }],
    });
    s.server(ack('puback', 1), ack('pubrec', 2), { cmd: 'suback', messageId: 3, granted: [1] });
    s.client(ack('pubrel', 2), pub(1, 2), pub(3, 1));
    s.server(ack('pubcomp', 2));
    s.reconnect(true);
    // Session present: the PUBREL-less QoS 2 message 1 and QoS 1 message 3 come back with DUP.
    s.client(pub(1, 2, true), pub(3, 1, true));
    s.server(ack('pubrec', 1), ack('puback', 3));
    s.client(ack('pubrel', 1), pub(2, 1), { cmd: 'disconnect' });
    expect(s.validator.violations).toEqual([]);
    expect(() => s.validator.assertValid()).not.toThrow();
    expect(s.validator.counts.get('publish')).toBe(7);
  });

  it('R220: bytes that do not parse, and a connection that ends inside a packet', () => {
    const s = session();
    s.client(pub(1, 1));
    const line = s.validator.connection();
    line.client(Uint8Array.of(0x00, 0x00));
    expect(s.kinds()).toEqual(['unparseable']);
    const cut = s.validator.connection();
    cut.client(bytes(CONNECT).subarray(0, 5));
    cut.closed();
    expect(s.kinds()).toEqual(['unparseable', 'unparseable']);
    expect(s.validator.violations[1]?.message).toMatch(/ended inside a packet/);
  });

  it('R220: CONNECT first and once per connection', () => {
    const validator = new WireValidator();
    const line = validator.connection();
    line.client(bytes(pub(1, 0)));
    line.client(bytes(CONNECT));
    expect(validator.violations.map((v) => v.kind)).toEqual(['connect-order', 'connect-order']);
  });

  it('R221: a new PUBLISH or SUBSCRIBE with an id in flight, or id 0', () => {
    const s = session();
    s.client(pub(5, 1), pub(5, 2));
    s.client({ cmd: 'subscribe', messageId: 5, subscriptions: [{ topic: 'a', qos: 0 }] });
    s.client({ cmd: 'unsubscribe', messageId: 9, unsubscriptions: ['a'] });
    s.client(pub(9, 1));
    expect(s.kinds()).toEqual(['id-in-use', 'id-in-use', 'id-in-use']);
    // Past PUBREC the id is still held until PUBCOMP.
    const t = session();
    t.client(pub(7, 2));
    t.server(ack('pubrec', 7));
    t.client(ack('pubrel', 7), pub(7, 1));
    expect(t.kinds()).toEqual(['id-in-use']);
  });

  it('R221: ids survive a reconnect with the session present, and are free once the broker lost the session', () => {
    const kept = session();
    kept.client(pub(4, 2));
    kept.server(ack('pubrec', 4));
    kept.reconnect(true);
    kept.client(pub(4, 1));
    expect(kept.kinds()).toEqual(['id-in-use']);
    const lost = session();
    lost.client(pub(4, 2), pub(6, 1));
    lost.server(ack('pubrec', 4));
    lost.reconnect(false);
    lost.client(pub(4, 1), pub(6, 1));
    expect(lost.kinds()).toEqual([]);
  });

  it('R222: DUP on a first sending, on QoS 0, and a PUBLISH re-sent after its PUBREC', () => {
    const s = session();
    s.client(pub(3, 1, true), pub(0, 0, true), pub(8, 2));
    s.server(ack('pubrec', 8));
    s.client(pub(8, 2, true));
    expect(s.kinds()).toEqual(['dup-first-send', 'dup-first-send', 'id-in-use']);
    // A client restored from a store may re-send what this validator never saw.
    const restored = session({ restored: true }, true);
    restored.client(ack('pubrel', 11), pub(3, 1, true));
    expect(restored.kinds()).toEqual([]);
  });

  it('R223: PUBREL without PUBREC, after PUBCOMP, for QoS 1, and for an unsent id', () => {
    const s = session();
    s.client(pub(1, 2), ack('pubrel', 1));
    s.client(pub(2, 1), ack('pubrel', 2), ack('pubrel', 40));
    s.client(pub(3, 2));
    s.server(ack('pubrec', 3), ack('pubcomp', 3));
    s.client(ack('pubrel', 3));
    expect(s.kinds()).toEqual([
      'pubrel-without-pubrec',
      'pubrel-without-pubrec',
      'pubrel-without-pubrec',
      'pubrel-without-pubrec',
    ]);
    // A QoS 2 message written on an earlier connection and dropped since may be released (R223).
    const dropped = session();
    dropped.client(pub(1, 2));
    dropped.reconnect(true);
    dropped.client(ack('pubrel', 1));
    dropped.server(ack('pubcomp', 1));
    dropped.client(pub(1, 1));
    expect(dropped.kinds()).toEqual([]);
  });

  it('R224: more messages in flight than the window, counting QoS 2 to PUBCOMP', () => {
    const s = session({ maxInflight: 2 });
    s.client(pub(1, 2), pub(2, 1));
    s.server(ack('pubrec', 1), ack('puback', 2));
    s.client(pub(3, 1), ack('pubrel', 1));
    expect(s.kinds()).toEqual([]);
    s.client(pub(4, 1));
    expect(s.kinds()).toEqual(['window-exceeded']);
    expect(() => s.validator.assertValid()).toThrow(
      /\[window-exceeded\] connection 0, packet \d+: 3 messages in flight/,
    );
  });

  it('R224 with R160: QoS 2 has its own window inside the shared one', () => {
    const s = session({ maxInflight: 10, maxInflightQos2: 2 });
    s.client(pub(1, 2), pub(2, 1), pub(3, 2));
    expect(s.kinds()).toEqual([]);
    s.client(pub(4, 2));
    expect(s.kinds()).toEqual(['window-exceeded']);
    expect(() => s.validator.assertValid()).toThrow(/3 QoS 2 messages in flight.*the QoS 2 window is 2/);
  });

  it('R224 with R160: no QoS 1 PUBLISH while the QoS 2 window is full', () => {
    const s = session({ maxInflight: 10, maxInflightQos2: 2 });
    s.client(pub(1, 2), pub(2, 1), pub(3, 2));
    expect(s.kinds()).toEqual([]);
    s.client(pub(4, 1));
    expect(s.kinds()).toEqual(['window-exceeded']);
    expect(() => s.validator.assertValid()).toThrow(/at QoS 1 while 2 QoS 2 messages are in flight/);
  });

  it('R224: messages still queued from a previous connection do not count until they are re-sent', () => {
    const s = session({ maxInflight: 2 });
    s.client(pub(1, 1), pub(2, 1));
    s.reconnect(true);
    s.client(pub(1, 1, true));
    s.server(ack('puback', 1));
    s.client(pub(2, 1, true), pub(3, 1));
    expect(s.kinds()).toEqual([]);
  });
});

describe('the validating transport (R225)', () => {
  const { aedes, makeClient, validators } = useResources();

  it('sees every packet a real client writes, through write and the zero-copy reserve', async () => {
    const broker = await aedes();
    const client = makeClient({ servers: [server(broker.port)] });
    await connect(client);
    const received = firstValueFrom(client.subscribe('w/#', { qos: 2 }).pipe(take(3), toArray()));
    await waitForClientEvent(client, 'suback');
    for (const qos of [0, 1, 2] as const) await client.publish('w/x', 'p', { qos });
    await received;
    const [validator] = validators;
    expect(validator?.violations).toEqual([]);
    expect(Object.fromEntries(validator?.counts ?? [])).toMatchObject({
      connect: 1,
      subscribe: 1,
      publish: 3,
      pubrel: 1,
      // Answers to the broker's QoS 1 and 2 deliveries.
      puback: 1,
      pubrec: 1,
      pubcomp: 1,
    });
  });
});

describe('the checking wire tap (R225)', () => {
  const { aedes, tap } = useResources();

  it('fails on a rule a client breaks through it, and passes a valid exchange', async () => {
    const broker = await aedes();
    const send = async (through: { port: number }, payload: Uint8Array) => {
      const socket = net.connect({ host: '127.0.0.1', port: through.port });
      socket.on('error', () => {});
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      socket.end(payload);
      await new Promise<void>((resolve) => socket.once('close', () => resolve()));
    };
    const good = await startWireTap(broker.port);
    await send(good, bytes(CONNECT));
    expect(() => good.assertValid()).not.toThrow();
    await good.close();
    const bad = await startWireTap(broker.port);
    // (Bytes that do not parse at all already fail the run from the tap's own parser.)
    await send(bad, Uint8Array.of(...bytes(CONNECT), ...bytes(pub(0, 0, true))));
    expect(() => bad.assertValid()).toThrow(/\[dup-first-send\] connection 0, packet 1/);
    await bad.close();
    // The tap the helpers start checks at teardown; this one saw nothing wrong.
    await tap(broker.port);
  });
});
