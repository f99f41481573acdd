/**
 * MQTT 5 publish properties in the durable session store (spec R304), on a fake MQTT 5 network
 * (parsed by mqtt-packet) and simulated clocks: a message restored by a new client goes with its
 * properties and its Message Expiry Interval counted down across the restart, or is dropped when
 * that ran out; compaction keeps them; an old record without them reads as before.
 */
import type * as mqtt from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import { attachStore } from '../protocol/sessionLog.js';
import { MemoryStore, type StoreRecord } from '../protocol/store.js';
import { decodeLog, encodeHeader, encodeRecord } from '../protocol/storeCodec.js';
import { decodeStoredProps, encodeStoredProps } from '../protocol/v5/storedProps.js';
import { v5Client } from '../test/support/fakeV5.js';
import { flush } from '../test/support/promises.js';
import type { ClientEvent } from './types.js';

const properties = {
  userProperties: [
    ['k', '1'],
    ['k', '2'],
  ] as const,
  contentType: 'application/json',
  responseTopic: 'r/t',
  correlationData: new Uint8Array([9, 8]),
  payloadFormatIndicator: true,
};

/** A client on `store` that resumes its session (fixed client id, clean: false). */
const onStore = (store: MemoryStore, clock = new SimulatedClock()) =>
  v5Client({ session: { store }, clock, storeRecovery: attachStore }, { clean: false });

describe('publish properties in the session store (R304)', () => {
  it('R304: a message queued offline with properties goes, after a restart on the same store, with them', async () => {
    const store = new MemoryStore();
    const before = onStore(store);
    void before.client.publish('t/1', '{}', { qos: 1, properties });
    void before.client.publish('t/2', 'plain', { qos: 2 });
    // The process "dies": nothing more of it runs; a new client opens the same store.
    const after = onStore(store);
    void after.client.connect();
    after.up(0);
    await flush();
    const sent = after.sent<mqtt.IPublishPacket>(0, 'publish');
    expect(sent.map((p) => p.topic)).toEqual(['t/1', 't/2']);
    expect(sent[0]?.properties).toMatchObject({
      userProperties: { k: ['1', '2'] },
      contentType: 'application/json',
      responseTopic: 'r/t',
      payloadFormatIndicator: true,
    });
    expect([...(sent[0]?.properties?.correlationData ?? [])]).toEqual([9, 8]);
    expect(sent[1]?.properties ?? {}).toEqual({});
  });

  it('R304, R291: the expiry counts the time across the restart: what is left goes, what ran out is dropped (drop, expired)', async () => {
    const store = new MemoryStore();
    const clock = new SimulatedClock();
    const before = onStore(store, clock);
    void before.client
      .publish('t/short', 'a', { qos: 1, properties: { messageExpiryInterval: 10 } })
      .catch(() => undefined);
    void before.client.publish('t/long', 'b', { qos: 1, properties: { messageExpiryInterval: 60 } });
    // The process "dies": nothing more of it runs; a new client opens the same store.
    // Down for 20 s on the wall clock (the simulated clock stands for it), then 5 s more queued.
    clock.increment(20_000);
    const after = onStore(store, clock);
    const events: ClientEvent[] = [];
    after.client.onEvent((e) => events.push(e));
    clock.increment(5_000);
    void after.client.connect();
    after.up(0);
    await flush();
    const sent = after.sent<mqtt.IPublishPacket>(0, 'publish');
    expect(sent.map((p) => p.topic)).toEqual(['t/long']);
    expect(sent[0]?.properties?.messageExpiryInterval).toBe(35);
    const drop = events.find((e) => e.type === 'drop');
    expect(drop).toMatchObject({ type: 'drop', reason: 'expired', topic: 't/short' });
  });

  it('R304: the restored publish settles its id: a later publish reusing the id carries its own properties, not the restored ones', async () => {
    const store = new MemoryStore();
    const before = onStore(store);
    void before.client.publish('t/old', 'a', { qos: 1, properties: { contentType: 'old' } });
    // The process "dies": nothing more of it runs; a new client opens the same store.
    const after = onStore(store);
    void after.client.connect();
    const wire = after.up(0);
    await flush();
    const [old] = after.sent<mqtt.IPublishPacket>(0, 'publish');
    wire.reply({ cmd: 'puback', messageId: old?.messageId ?? 0, reasonCode: 0 });
    // The id is free again; the next publish without properties may take it.
    void after.client.publish('t/new', 'b', { qos: 1 });
    const latest = after.sent<mqtt.IPublishPacket>(0, 'publish').at(-1);
    expect(latest?.topic).toBe('t/new');
    expect(latest?.messageId).toBe(old?.messageId);
    expect(latest?.properties?.contentType).toBeUndefined();
  });

  it('R304, R107: compaction keeps the properties', async () => {
    const store = new MemoryStore();
    const before = onStore(store);
    void before.client.publish('t/c', 'a', { qos: 1, properties: { contentType: 'kept' } });
    // The process "dies": nothing more of it runs; a new client opens the same store.
    store.compact([...store.readBack()]);
    const image = store.readBack().find((r) => r.type === 'publish');
    expect(image?.type === 'publish' && image.annex !== undefined).toBe(true);
    const after = onStore(store);
    void after.client.connect();
    after.up(0);
    await flush();
    expect(after.sent<mqtt.IPublishPacket>(0, 'publish')[0]?.properties?.contentType).toBe('kept');
  });
});

describe('the store format (R104, R304)', () => {
  const packet = new Uint8Array([0x32, 6, 0, 1, 0x74, 0, 7, 0x78]);

  it('R304: a publish record round-trips with its annex; a version 1 log (no annexes) reads as before', () => {
    const annex = encodeStoredProps({ contentType: 'c', messageExpiryInterval: 5 }, 1234.5);
    const records: StoreRecord[] = [
      { type: 'publish', packetId: 7, packet, annex },
      { type: 'publish', packetId: 8, packet: packet.slice() },
    ];
    const bytes = concat([encodeHeader(), ...records.map(encodeRecord)]);
    expect(decodeLog(bytes).records).toEqual(records);
    expect(decodeLog(bytes).version).toBe(2);
    expect(decodeStoredProps(annex)).toEqual({
      props: { contentType: 'c', messageExpiryInterval: 5 },
      acceptedAt: 1234.5,
    });
    const v1 = concat([encodeHeader(), encodeRecord(records[1] as StoreRecord)]);
    v1[11] = 1;
    expect(decodeLog(v1)).toMatchObject({ version: 1, records: [records[1]] });
    // A version 1 log cannot carry an annex: trailing bytes there are damage.
    const bad = concat([encodeHeader(), encodeRecord(records[0] as StoreRecord)]);
    bad[11] = 1;
    expect(() => decodeLog(bad)).toThrow(/malformed publish record/);
  });

  it('R304: an annex this library cannot read restores the message without properties', () => {
    expect(decodeStoredProps(new Uint8Array([2, 0, 0, 0, 0, 0, 0, 0, 0, 0]))).toBeUndefined();
    expect(decodeStoredProps(new Uint8Array([1, 0, 0, 0, 0, 0, 0, 0, 0, 5, 3]))).toBeUndefined();
  });
});

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
