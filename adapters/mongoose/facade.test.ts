/** The Mongoose facade against aedes: publish ids, subscriptions, max QoS, packet ids, the JS API. */
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../errors.js';
import { useCleanups } from '../../test/support/cleanups.js';
import { startFacade } from '../../test/support/mongooseFacade.js';
import {
  brokerReceives,
  brokerSees,
  connectFacade,
  nextClientEvent,
  nextGlobal,
} from '../../test/support/mongooseWait.js';
import { MqttClient } from '../node.js';
import { loadMongooseConfig } from './config.js';
import { MG_EV, type MgMqttMessage, MongooseMqtt } from './index.js';

const defer = useCleanups();

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

const setup = (mqtt: Record<string, unknown> = {}, onHandlerError?: (e: unknown, kind: string) => void) =>
  startFacade(defer, { mqtt, ...(onHandlerError ? { onHandlerError } : {}) });

describe('MongooseMqtt with mqtt.enable false', () => {
  it('creates no client, globalConnect() is false and nothing is sent', async () => {
    const facade = MongooseMqtt.fromDocument({ mqtt: { enable: false, server: '' } });
    expect(facade.client).toBeUndefined();
    expect(facade.globalConnect()).toBe(false);
    expect(facade.globalIsConnected()).toBe(false);
    expect(facade.pub('t', 'x', 1)).toBe(0);
    expect(facade.pubf('t', 0, false, { a: 1 })).toBe(0);
    expect(facade.numUnsentBytes()).toBe(0);
    facade.sub('t/#', () => {}, null);
    expect(facade.unsub('t/#')).toBe(true);
    // The packet-id counter still counts, as Mongoose's does.
    expect(facade.getPacketId() + 1).toBe(facade.getPacketId());
    await facade.globalDisconnect();
  });

  it('leaves an existing client alone: it stays idle', () => {
    const client = new MqttClient({ servers: [{ host: '127.0.0.1', port: 1 }], profile: 'mongoose' });
    const facade = new MongooseMqtt({ client, config: loadMongooseConfig({}) });
    expect(facade.globalConnect()).toBe(false);
    expect(client.state).toBe('idle');
    // The connect fn can be set on a facade over an existing client too (installed on the client).
    expect(() => facade.setConnectFn(() => undefined)).not.toThrow();
  });
});

describe('MongooseMqtt publishing', () => {
  it('R84: globalDisconnect keeps the QoS 1 queue, as Mongoose does; it goes out on the next globalConnect', async () => {
    const { broker, facade } = await setup();
    expect(facade.pub('kept/1', 'queued offline', 1)).toBeGreaterThan(0);
    await facade.globalDisconnect();
    expect(facade.numUnsentBytes()).toBe('queued offline'.length);
    const seen = brokerReceives(broker, 'kept/1');
    await connectFacade(facade);
    expect(String((await seen).payload)).toBe('queued offline');
  });

  it('pub returns a packet id > 0 for QoS 0 and 1 when connected; ids advance', async () => {
    const { broker, facade } = await setup();
    await connectFacade(facade);
    const seen = brokerReceives(broker, 'p/0');
    const a = facade.pub('p/0', 'zero');
    const b = facade.pub('p/0', 'zero again');
    expect(a).toBeGreaterThan(0);
    expect(b).toBe(a + 1);
    expect((await seen).qos).toBe(0);
    const acked = nextGlobal(facade, MG_EV.MQTT_PUBACK);
    const c = facade.pub('p/1', 'one', 1);
    expect(c).toBe(b + 1);
    expect((await acked)?.messageId).toBe(c);
  });

  it('queues QoS 1 offline (id > 0, counted by numUnsentBytes), drops QoS 0 offline (0)', async () => {
    const { broker, facade } = await setup();
    expect(facade.pub('q/0', 'gone', 0)).toBe(0);
    const first = facade.pub('q/1', 'abc', 1);
    const second = facade.pub('q/1', 'defgh', 1, true);
    expect(first).toBeGreaterThan(0);
    expect(second).toBe(first + 1);
    expect(facade.numUnsentBytes()).toBe(8);
    const delivered = brokerReceives(broker, 'q/1');
    const lastAck = nextGlobal(facade, MG_EV.MQTT_PUBACK, (d) => d?.messageId === second);
    await connectFacade(facade);
    expect(text((await delivered).payload as Uint8Array)).toBe('abc');
    await lastAck;
    expect(facade.numUnsentBytes()).toBe(0);
  });

  it('delivers EV_PUBREC then EV_PUBCOMP for a QoS 2 pub to global handlers', async () => {
    const { facade } = await setup();
    const acks: string[] = [];
    facade.addGlobalHandler((ev, data) => acks.push(`${ev}:${data?.messageId}`), null);
    await connectFacade(facade);
    const done = nextGlobal(facade, MG_EV.MQTT_PUBCOMP);
    const id = facade.pub('q2', 'exactly once', 2);
    await done;
    expect(acks.slice(1)).toEqual([`${MG_EV.MQTT_PUBREC}:${id}`, `${MG_EV.MQTT_PUBCOMP}:${id}`]);
  });

  it('pubf publishes JSON and returns 0 when the value cannot be serialised', async () => {
    const { broker, facade } = await setup();
    await connectFacade(facade);
    const seen = brokerReceives(broker, 'j');
    expect(facade.pubf('j', 1, false, { a: 1, b: [true] })).toBeGreaterThan(0);
    expect(JSON.parse(text((await seen).payload as Uint8Array))).toEqual({ a: 1, b: [true] });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(facade.pubf('j', 1, false, cyclic)).toBe(0);
    expect(facade.pubf('j', 1, false, undefined)).toBe(0);
    expect(facade.pubf('j', 1, false, 10n)).toBe(0);
  });

  it('setMaxQos(0) downgrades a QoS 1 publish and setMaxQos(2) raises it back', async () => {
    const { broker, facade } = await setup();
    await connectFacade(facade);
    facade.setMaxQos(0);
    const low = brokerReceives(broker, 'm');
    expect(facade.pub('m', 'low', 1)).toBeGreaterThan(0);
    expect((await low).qos).toBe(0);
    // Mongoose ignores set_max_qos(2) when the config says 2; here it takes effect.
    facade.setMaxQos(2);
    const high = brokerReceives(broker, 'm');
    facade.pub('m', 'high', 1);
    expect((await high).qos).toBe(1);
    expect(() => facade.setMaxQos(3)).toThrow(InvalidArgumentError);
  });

  it('getPacketId increments, consumes and skips 0 after 0xffff', async () => {
    const { facade } = await setup();
    const first = facade.getPacketId();
    expect(facade.getPacketId()).toBe(first + 1);
    let id = first + 1;
    while (id !== 0xffff) id = facade.getPacketId();
    expect(facade.getPacketId()).toBe(1);
  });
});

describe('MongooseMqtt subscriptions', () => {
  it('sub handlers get topic, message and userdata for + and # filters, subscribed at QoS 1', async () => {
    const { broker, facade } = await setup();
    const got: string[] = [];
    let bothGot: () => void = () => {};
    const delivered = new Promise<void>((resolve) => {
      bothGot = resolve;
    });
    const record = (line: string) => {
      got.push(line);
      if (got.length === 2) bothGot();
    };
    const subscribed = Promise.all([
      brokerSees(broker, 'subscribe', 'a/+/c'),
      brokerSees(broker, 'subscribe', 'a/#'),
      nextClientEvent(facade, (e) => e.type === 'suback' && e.filter === 'a/#'),
    ]);
    facade.sub('a/+/c', (topic, msg, ud) => record(`plus ${topic} ${text(msg)} ${ud}`), 'u1');
    facade.sub('a/#', (topic, msg, ud) => record(`hash ${topic} ${text(msg)} ${ud.n}`), { n: 2 });
    facade.sub('x/#', () => record('wrong'), null);
    await connectFacade(facade);
    const [plus, hash] = await subscribed;
    expect(plus).toContain('a/+/c@1');
    expect(hash).toContain('a/#@1');
    facade.pub('a/b/c', 'hi', 1);
    await delivered;
    expect(got).toEqual(['plus a/b/c hi u1', 'hash a/b/c hi 2']);
  });

  it('globalSubscribe handlers get SUBACK and PUBLISH; unmatched messages go to global handlers', async () => {
    const { facade } = await setup();
    const events: string[] = [];
    const published = new Promise<MgMqttMessage | undefined>((resolve) =>
      facade.globalSubscribe(
        's/1',
        (ev, data, ud) => {
          events.push(`${ev} ${data?.topic} ${ud}`);
          if (ev === MG_EV.MQTT_PUBLISH) resolve(data);
        },
        'ud',
      ),
    );
    await connectFacade(facade);
    facade.pub('s/1', 'x', 1);
    expect((await published)?.qos).toBe(1);
    expect(events).toEqual([`${MG_EV.MQTT_SUBACK} s/1 ud`, `${MG_EV.MQTT_PUBLISH} s/1 ud`]);
    // A second subscription to the same filter gets its own SUBACK, as in Mongoose.
    const second = new Promise<MgMqttMessage | undefined>((resolve) =>
      facade.globalSubscribe('s/1', (ev, data) => ev === MG_EV.MQTT_SUBACK && resolve(data), null),
    );
    expect(await second).toMatchObject({ topic: 's/1', qos: 1, granted: true });
    // A subscription the facade does not know (made on the client directly) is "unmatched".
    const unmatched = nextGlobal(facade, MG_EV.MQTT_PUBLISH);
    facade.client?.subscribe('raw/#', { qos: 1 }).subscribe();
    await nextClientEvent(facade, (e) => e.type === 'suback' && e.filter === 'raw/#');
    facade.pub('raw/t', 'r', 1);
    expect(text((await unmatched)?.payload ?? new Uint8Array())).toBe('r');
  });

  it('unsub removes the latest handler of a filter; UNSUBSCRIBE goes out with the last one', async () => {
    const { broker, facade } = await setup();
    const got: string[] = [];
    facade.sub('u/t', () => got.push('first'), null);
    facade.sub('u/t', () => got.push('second'), null);
    await connectFacade(facade);
    await nextClientEvent(facade, (e) => e.type === 'suback');
    expect(facade.unsub('u/t')).toBe(true);
    const echoed = nextClientEvent(facade, (e) => e.type === 'message');
    facade.pub('u/t', 'x', 1);
    await echoed;
    expect(got).toEqual(['first']);
    const unsubscribed = brokerSees(broker, 'unsubscribe', 'u/t');
    const unsuback = nextGlobal(facade, MG_EV.MQTT_UNSUBACK);
    expect(facade.unsub('u/t')).toBe(true);
    await unsubscribed;
    expect((await unsuback)?.topic).toBe('u/t');
    expect(facade.unsub('u/t')).toBe(false);
  });
});
