/**
 * The QoS 2 receive guard (R210-R213) and acknowledge-after-processing (R214-R217), against a
 * scripted broker: each test writes the broker's packets by hand and checks what the client wrote
 * and delivered.
 */
import { describe, expect, it, vi } from 'vitest';
import { broker, connectedHarness, createHarness, describePackets } from '../test/support/sessionHarness.js';
import type { SessionEvent, SessionOptions } from './session.js';
import { MemoryStore, type StoreRecord } from './store.js';
import { decodeLog, encodeHeader, encodeRecord } from './storeCodec.js';

const delivered = (events: readonly SessionEvent[]) =>
  events.flatMap((e) => (e.type === 'message' ? [`${e.packetId}:${Buffer.from(e.payload).toString()}`] : []));

/** A promise and its resolve/reject, for handlers the test finishes by hand. */
function deferred(): { promise: Promise<void>; resolve: () => void; reject: (e: unknown) => void } {
  let resolve = () => {};
  let reject: (e: unknown) => void = () => {};
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets promise callbacks run. */
const settled = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('QoS 2 receive guard (R210-R213)', () => {
  it('R211: a broker re-sending a QoS 2 PUBLISH after its PUBREL, on the next connection, causes no second delivery', () => {
    const h = connectedHarness();
    h.session.handle(broker.publish('t', 'm1', 2, 7));
    expect(describePackets(h.take())).toEqual(['pubrec:7']);
    // The node dies; the client resumes on another node, which sends PUBREL, then the stale PUBLISH.
    h.session.disconnected();
    h.session.connected(true);
    h.session.handle(broker.pubrel(7));
    h.session.handle(broker.publish('t', 'm1', 2, 7));
    expect(describePackets(h.take())).toEqual(['pubcomp:7', 'pubrec:7']);
    const events = h.takeEvents();
    expect(delivered(events)).toEqual(['7:m1']);
    expect(events).toContainEqual({ type: 'resend.ignored', packetId: 7, topic: 't' });
    // The broker finishes its (second) flow; a new message reusing the id is delivered.
    h.session.handle(broker.pubrel(7));
    h.session.handle(broker.publish('t', 'm2', 2, 7));
    expect(describePackets(h.take())).toEqual(['pubcomp:7', 'pubrec:7']);
    expect(delivered(h.takeEvents())).toEqual(['7:m2']);
  });

  it('R211: the re-send is absorbed however many reconnects it takes the broker to finish it', () => {
    const h = connectedHarness();
    h.session.handle(broker.publish('t', 'm1', 2, 7));
    h.session.handle(broker.pubrel(7));
    for (let i = 0; i < 3; i++) {
      h.session.disconnected();
      h.session.connected(true);
      h.session.handle(broker.publish('t', 'm1', 2, 7));
      h.session.handle(broker.pubrel(7));
    }
    expect(delivered(h.takeEvents())).toEqual(['7:m1']);
  });

  it('R211: the same id, topic and payload again on the same connection is a new message (a broker reusing its lowest free id)', () => {
    const h = connectedHarness();
    h.session.handle(broker.publish('lamp', 'ON', 2, 1));
    h.session.handle(broker.pubrel(1));
    h.session.handle(broker.publish('lamp', 'ON', 2, 1));
    expect(delivered(h.takeEvents())).toEqual(['1:ON', '1:ON']);
  });

  it('R211: without the guard (qos2Memory: 0) the re-send is delivered twice', () => {
    const h = connectedHarness({ qos2Memory: 0 });
    h.session.handle(broker.publish('t', 'm1', 2, 7));
    h.session.handle(broker.pubrel(7));
    h.session.disconnected();
    h.session.connected(true);
    h.session.handle(broker.publish('t', 'm1', 2, 7));
    expect(delivered(h.takeEvents())).toEqual(['7:m1', '7:m1']);
  });

  it('R212: remembers the last qos2Memory releases, oldest forgotten first; a new session forgets all', () => {
    const h = connectedHarness({ qos2Memory: 2 });
    for (const id of [1, 2, 3]) {
      h.session.handle(broker.publish('t', `m${id}`, 2, id));
      h.session.handle(broker.pubrel(id));
    }
    h.takeEvents();
    h.session.disconnected();
    h.session.connected(true);
    for (const id of [1, 2, 3]) h.session.handle(broker.publish('t', `m${id}`, 2, id));
    // 1 was forgotten (re-delivered); 2 and 3 were remembered.
    expect(delivered(h.takeEvents())).toEqual(['1:m1']);
    for (const id of [1, 2, 3]) h.session.handle(broker.pubrel(id));
    h.session.disconnected();
    h.session.connected(false);
    h.session.handle(broker.publish('t', 'm2', 2, 2));
    expect(delivered(h.takeEvents())).toEqual(['2:m2']);
    expect(() => createHarness({ qos2Memory: -1 })).toThrow(/qos2Memory/);
  });

  it('R210: a lost PUBREL loses nothing: the message was delivered on PUBLISH', () => {
    const h = connectedHarness();
    h.session.handle(broker.publish('t', 'm1', 2, 9));
    // The broker drops the flow (a node killed between its steps): no PUBREL ever comes.
    h.session.disconnected();
    h.session.connected(true);
    h.session.handle(broker.publish('t', 'm1', 2, 9, true));
    expect(delivered(h.takeEvents())).toEqual(['9:m1']);
    expect(h.session.isConnected).toBe(true);
  });

  it('R213: a PUBLISH with another message for an id awaiting PUBREL is delivered (the broker abandoned that flow)', () => {
    const h = connectedHarness();
    h.session.handle(broker.publish('t', 'm1', 2, 9));
    h.session.disconnected();
    h.session.connected(true);
    h.session.handle(broker.publish('t', 'other', 2, 9));
    expect(describePackets(h.take())).toEqual(['pubrec:9', 'pubrec:9']);
    expect(delivered(h.takeEvents())).toEqual(['9:m1', '9:other']);
    // ...and the id now stands for the new message: its re-send is a duplicate.
    h.session.handle(broker.publish('t', 'other', 2, 9, true));
    expect(delivered(h.takeEvents())).toEqual([]);
  });

  it('R213: a restarted client keeps the fingerprint in the store: a re-send is absorbed, a reused id delivered', () => {
    const store = new MemoryStore();
    const first = connectedHarness({ store });
    first.session.handle(broker.publish('t', 'm1', 2, 5));
    first.session.handle(broker.publish('t', 'm2', 2, 6));
    const h = createHarness({ store });
    h.session.connected(true);
    h.session.handle(broker.publish('t', 'm1', 2, 5, true));
    h.session.handle(broker.publish('t', 'new', 2, 6));
    expect(delivered(h.takeEvents())).toEqual(['6:new']);
    expect(describePackets(h.take())).toEqual(['pubrec:5', 'pubrec:6']);
  });

  it('R213: an id stored without a fingerprint (guard off) takes any PUBLISH for a re-send (R112)', () => {
    const store = new MemoryStore();
    const first = connectedHarness({ store, qos2Memory: 0 });
    first.session.handle(broker.publish('t', 'm1', 2, 5));
    const h = createHarness({ store });
    h.session.connected(true);
    h.session.handle(broker.publish('t', 'other', 2, 5));
    expect(delivered(h.takeEvents())).toEqual([]);
  });

  it('R213: the store codec keeps an inbound fingerprint, and reads records without one', () => {
    const records: StoreRecord[] = [
      { type: 'inbound', packetId: 5, print: { topic: 'tópico/1', length: 3, hash: 0xdeadbeef } },
      { type: 'inbound', packetId: 6 },
    ];
    const bytes = Buffer.concat([encodeHeader(), ...records.map(encodeRecord)]);
    expect(decodeLog(bytes).records).toEqual(records);
  });
});

describe('acknowledge after processing (R214-R217)', () => {
  const withHandler = (handleMessage: SessionOptions['handleMessage'], more: SessionOptions = {}) =>
    connectedHarness({ handleMessage, ...more });

  it('R214: a synchronous handler: acked right after it returns, as without one', () => {
    const seen: string[] = [];
    const h = withHandler((m) => {
      seen.push(`handled ${m.packetId}`);
    });
    h.session.handle(broker.publish('t', 'a', 1, 1));
    h.session.handle(broker.publish('t', 'b', 2, 2));
    h.session.handle(broker.publish('t', 'c', 0));
    expect(describePackets(h.take())).toEqual(['puback:1', 'pubrec:2']);
    expect(seen).toEqual(['handled 1', 'handled 2', 'handled 0']);
  });

  it('R214: async handlers: no ack before each finishes, and acks in receive order', async () => {
    const pending = new Map<number, ReturnType<typeof deferred>>();
    const h = withHandler((m) => {
      const d = deferred();
      pending.set(m.packetId, d);
      return d.promise;
    });
    h.session.handle(broker.publish('t', 'a', 1, 1));
    h.session.handle(broker.publish('t', 'b', 2, 2));
    h.session.handle(broker.publish('t', 'c', 1, 3));
    expect(h.take()).toEqual([]);
    pending.get(3)?.resolve();
    await settled();
    expect(h.take()).toEqual([]); // 3 waits behind 1 and 2
    pending.get(1)?.resolve();
    await settled();
    expect(describePackets(h.take())).toEqual(['puback:1']);
    pending.get(2)?.resolve();
    await settled();
    expect(describePackets(h.take())).toEqual(['pubrec:2', 'puback:3']);
  });

  it('R214: a throwing or rejecting handler is reported and its message still acknowledged', async () => {
    const callbackError = vi.fn();
    const h = createHarness(
      {
        handleMessage: (m) => {
          if (m.packetId === 1) throw new Error('sync');
          return Promise.reject(new Error('async'));
        },
      },
      { callbackError },
    );
    h.session.connected(false);
    h.take();
    h.session.handle(broker.publish('t', 'a', 1, 1));
    h.session.handle(broker.publish('t', 'b', 1, 2));
    await settled();
    expect(describePackets(h.take())).toEqual(['puback:1', 'puback:2']);
    expect(callbackError.mock.calls.map(([e]) => (e as Error).message)).toEqual(['sync', 'async']);
  });

  it('R215: a re-send of a message still being handled is not handed over again; one ack when done', async () => {
    const d = deferred();
    let calls = 0;
    const h = withHandler(() => {
      calls++;
      return d.promise;
    });
    h.session.handle(broker.publish('t', 'a', 2, 4));
    h.session.disconnected();
    h.session.connected(true);
    h.session.handle(broker.publish('t', 'a', 2, 4, true));
    expect(calls).toBe(1);
    expect(h.take()).toEqual([]);
    d.resolve();
    await settled();
    expect(describePackets(h.take())).toEqual(['pubrec:4']);
  });

  it('R215: another message under the id of one being handled is a new message (the broker reused the id)', async () => {
    const pending: (() => void)[] = [];
    const h = withHandler(
      () =>
        new Promise<void>((resolve) => {
          pending.push(resolve);
        }),
    );
    h.session.handle(broker.publish('t', 'a', 1, 4));
    h.session.handle(broker.publish('t', 'b', 1, 4));
    expect(delivered(h.takeEvents())).toEqual(['4:a', '4:b']);
    for (const finish of pending) finish();
    await settled();
    expect(describePackets(h.take())).toEqual(['puback:4', 'puback:4']);
  });

  it('R216: a handler finishing while disconnected gets its ack on the next connection with the session', async () => {
    const d = deferred();
    const h = withHandler(() => d.promise);
    h.session.handle(broker.publish('t', 'a', 1, 4));
    h.session.disconnected();
    d.resolve();
    await settled();
    expect(h.take()).toEqual([]);
    h.session.connected(true);
    expect(describePackets(h.take())).toContain('puback:4');
  });

  it('R216: an ack for a session the broker lost is never written (it would ack a new message with that id)', async () => {
    const d = deferred();
    const h = withHandler((m) =>
      m.packetId === 4 && Buffer.from(m.payload).toString() === 'old' ? d.promise : undefined,
    );
    h.session.handle(broker.publish('t', 'old', 1, 4));
    h.session.disconnected();
    h.session.connected(false);
    h.take();
    d.resolve();
    await settled();
    expect(h.take()).toEqual([]);
    h.session.handle(broker.publish('t', 'new', 1, 4));
    expect(describePackets(h.take())).toEqual(['puback:4']);
  });

  it('R359: a store that refuses a QoS 2 record mid-flush: no ack written twice, the rest written once it records', async () => {
    class RefusingStore extends MemoryStore {
      refuse = false;
      override append(record: StoreRecord, urgent: boolean): boolean {
        if (this.refuse && record.type === 'inbound') throw new Error('disk full');
        return super.append(record, urgent);
      }
    }
    const store = new RefusingStore();
    const callbackError = vi.fn();
    const pending = new Map<number, ReturnType<typeof deferred>>();
    const h = createHarness(
      {
        store,
        handleMessage: (m) => {
          const d = deferred();
          pending.set(m.packetId, d);
          return d.promise;
        },
      },
      { callbackError },
    );
    h.session.connected(false);
    h.take();
    h.session.handle(broker.publish('t', 'a', 1, 1));
    h.session.handle(broker.publish('t', 'b', 2, 2));
    h.session.handle(broker.publish('t', 'c', 1, 3));
    h.take();
    store.refuse = true;
    pending.get(2)?.resolve();
    pending.get(3)?.resolve();
    pending.get(1)?.resolve();
    await settled();
    // 1 is acked; 2 cannot be recorded, so neither it nor 3 behind it is acknowledged yet.
    expect(describePackets(h.take())).toEqual(['puback:1']);
    expect(callbackError).toHaveBeenCalledOnce();
    store.refuse = false;
    h.session.handle(broker.publish('t', 'd', 1, 4));
    pending.get(4)?.resolve();
    await settled();
    // The next flush starts at 2: PUBACK 1 again could acknowledge a new message the broker gave id 1.
    expect(describePackets(h.take())).toEqual(['pubrec:2', 'puback:3', 'puback:4']);
  });

  it('R217: with a store, a QoS 2 id is recorded only once its handler is done', async () => {
    const store = new MemoryStore();
    const d = deferred();
    const h = withHandler(() => d.promise, { store });
    h.session.handle(broker.publish('t', 'a', 2, 6));
    expect(store.readBack().filter((r) => r.type === 'inbound')).toEqual([]);
    d.resolve();
    await settled();
    expect(store.readBack().filter((r) => r.type === 'inbound')).toMatchObject([
      { type: 'inbound', packetId: 6, print: { topic: 't', length: 1 } },
    ]);
  });
});
