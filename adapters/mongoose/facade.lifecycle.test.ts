/** The Mongoose facade's connection life against aedes: EV_CLOSE, cloud events, connect fn, failover. */
import type { AedesOptions, AuthenticateError } from 'aedes';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../test/support/brokers.js';
import { useResources } from '../../test/support/integration.js';
import { checkedFacadeOptions, startFacade } from '../../test/support/mongooseFacade.js';
import {
  brokerReceives,
  connectFacade,
  nextClientEvent,
  nextCloud,
  nextGlobal,
} from '../../test/support/mongooseWait.js';
import { loadMongooseConfig } from './config.js';
import { type CloudEvent, MG_EV, MongooseMqtt } from './index.js';

const { defer, aedes } = useResources();

const FAST = { reconnect_timeout_min: 0.01, reconnect_timeout_max: 0.04 };

/** A facade over a fresh aedes, retrying fast, with its cloud events recorded as `type:server`. */
async function setup(mqtt: Record<string, unknown> = {}, aedesOptions?: AedesOptions) {
  const { broker, facade } = await startFacade(defer, {
    mqtt: { ...FAST, ...mqtt },
    ...(aedesOptions ? { aedes: aedesOptions } : {}),
  });
  const cloud: string[] = [];
  facade.onCloudEvent((e) => cloud.push(`${e.type}:${e.server}`));
  return { broker, facade, cloud };
}

/** Resolves after the attempt that follows the broker's death has failed at the transport. */
const nextTransportFailure = (facade: MongooseMqtt) =>
  nextClientEvent(facade, (e) => e.type === 'connect.error' && e.error.code === 'TRANSPORT_ERROR');

describe('MongooseMqtt connection events', () => {
  it('delivers EV_CLOSE to global handlers after the broker closes an established session', async () => {
    const { broker, facade } = await setup();
    const seen: number[] = [];
    facade.addGlobalHandler((ev) => seen.push(ev), null);
    await connectFacade(facade);
    const closed = nextGlobal(facade, MG_EV.CLOSE);
    await broker.close();
    expect(await closed).toBeUndefined();
    expect(facade.globalIsConnected()).toBe(false);
    // Failed attempts after that (nothing listens any more) give no EV_CLOSE.
    await nextTransportFailure(facade);
    expect(seen).toEqual([MG_EV.MQTT_CONNACK, MG_EV.CLOSE]);
  });

  it('raises all cloud events with cloud_events true, CONNECTERROR for transport failures only', async () => {
    const { broker, facade, cloud } = await setup();
    await connectFacade(facade);
    const disconnected = nextCloud(facade, 'CLOUD_DISCONNECTED');
    const connectError = nextCloud(facade, 'CLOUD_CONNECTERROR');
    await broker.close();
    await disconnected;
    await connectError;
    expect(cloud.slice(0, 5)).toEqual([
      'CLOUD_CONNECTING:mqtt',
      'CLOUD_CONNECTED:mqtt',
      'CLOUD_DISCONNECTED:mqtt',
      'CLOUD_CONNECTING:mqtt',
      'CLOUD_CONNECTERROR:mqtt',
    ]);
  });

  it('raises only CLOUD_CONNECTING with cloud_events false', async () => {
    const { broker, facade, cloud } = await setup({ cloud_events: false });
    await connectFacade(facade);
    await broker.close();
    await nextTransportFailure(facade);
    expect(cloud.length).toBeGreaterThanOrEqual(2);
    expect(new Set(cloud)).toEqual(new Set(['CLOUD_CONNECTING:mqtt']));
  });

  it('setConnectFn changes the password per attempt; a refusal is neither EV_CLOSE nor CONNECTERROR', async () => {
    const passwords: string[] = [];
    const authenticate: AedesOptions['authenticate'] = (_client, username, password, done) => {
      passwords.push(`${username}:${password?.toString()}`);
      if (password?.toString() === 'token-2') return done(null, true);
      done(Object.assign(new Error('bad password'), { returnCode: 4 }) as AuthenticateError, false);
    };
    const { facade, cloud } = await setup({ user: 'dev', pass: 'static' }, { authenticate });
    const seen: number[] = [];
    facade.addGlobalHandler((ev) => seen.push(ev), null);
    let attempt = 0;
    facade.setConnectFn(async (options, context, prefix) => {
      expect(context).toEqual({ server: 'mqtt', serverIndex: 0 });
      return { ...options, password: `${prefix}-${++attempt}` };
    }, 'token');
    await connectFacade(facade);
    expect(passwords).toEqual(['dev:token-1', 'dev:token-2']);
    expect(seen).toEqual([MG_EV.MQTT_CONNACK]);
    expect(cloud).toEqual(['CLOUD_CONNECTING:mqtt', 'CLOUD_CONNECTING:mqtt', 'CLOUD_CONNECTED:mqtt']);
  });

  it('a connect fn returning undefined keeps the options; null removes it', async () => {
    const passwords: string[] = [];
    const authenticate: AedesOptions['authenticate'] = (_client, _user, password, done) => {
      passwords.push(String(password));
      done(null, true);
    };
    const { broker, facade } = await setup({ user: 'dev', pass: 'static' }, { authenticate });
    let calls = 0;
    facade.setConnectFn(() => {
      calls++;
      return undefined;
    });
    const kick: (() => void)[] = [];
    broker.broker.on('client', (client) => kick.push(() => client.close()));
    await connectFacade(facade);
    facade.setConnectFn(null);
    const again = nextGlobal(facade, MG_EV.MQTT_CONNACK);
    for (const close of kick) close();
    await again;
    expect(calls).toBe(1);
    expect(passwords).toEqual(['static', 'static']);
  });
});

describe('MongooseMqtt failover and configuration documents', () => {
  it('fails over to mqtt1 when mqtt is down; mqtt1 max_qos then applies', async () => {
    const broker = await aedes();
    const dead = await freePort();
    const config = loadMongooseConfig({
      mqtt: { enable: true, server: `127.0.0.1:${dead}`, ...FAST },
      mqtt1: { enable: true, server: `127.0.0.1:${broker.port}`, max_qos: 0, ...FAST },
    });
    const facade = new MongooseMqtt({ config, clientOptions: checkedFacadeOptions(defer, config) });
    defer(() => facade.globalDisconnect());
    const cloud: CloudEvent[] = [];
    facade.onCloudEvent((e) => cloud.push(e));
    await connectFacade(facade);
    expect(cloud.at(-1)).toEqual({ type: 'CLOUD_CONNECTED', cloud: 'MQTT', server: 'mqtt1' });
    expect(cloud.filter((e) => e.type === 'CLOUD_CONNECTERROR').every((e) => e.server === 'mqtt')).toBe(true);
    expect(cloud.some((e) => e.type === 'CLOUD_CONNECTERROR')).toBe(true);
    const seen = brokerReceives(broker, 'f');
    expect(facade.pub('f', 'x', 1)).toBeGreaterThan(0);
    expect((await seen).qos).toBe(0);
  });

  it('drives a real broker end to end from a Mongoose config JSON document', async () => {
    const connects: { clientId: string; keepalive?: number; clean?: boolean; will?: unknown }[] = [];
    const users: string[] = [];
    const broker = await aedes({
      aedes: {
        preConnect: (_client, packet, done) => {
          connects.push({
            clientId: packet.clientId,
            keepalive: packet.keepalive,
            clean: packet.clean,
            will: packet.will,
          });
          done(null, true);
        },
        authenticate: (_client, user, pass, done) => {
          users.push(`${user}:${pass?.toString()}`);
          done(null, true);
        },
      },
    });
    const doc = JSON.stringify({
      device: { id: 'esp32_0A1B2C' },
      wifi: { sta: { enable: true, ssid: 'home' } },
      mqtt: {
        enable: true,
        server: `127.0.0.1:${broker.port}`,
        user: 'device',
        pass: 'secret',
        keep_alive: 0,
        clean_session: false,
        will_topic: 'devices/esp32_0A1B2C/online',
        will_message: 'false',
        will_retain: true,
        max_qos: 1,
        reconnect_timeout_min: 0.5,
      },
      mqtt1: { enable: false, server: '' },
    });
    const facade = MongooseMqtt.fromDocument(doc, { clientOptions: { deviceId: 'esp32_0A1B2C' } });
    defer(() => facade.globalDisconnect());
    const commands = new Promise<string>((resolve) =>
      facade.sub('devices/+/cmd', (topic, msg) => resolve(`${topic} ${new TextDecoder().decode(msg)}`), null),
    );
    await connectFacade(facade);
    expect(connects).toEqual([
      {
        clientId: 'esp32_0A1B2C',
        keepalive: 60,
        clean: false,
        will: expect.objectContaining({ topic: 'devices/esp32_0A1B2C/online', qos: 0, retain: true }),
      },
    ]);
    expect(users).toEqual(['device:secret']);
    await nextClientEvent(facade, (e) => e.type === 'suback');
    const capped = brokerReceives(broker, 'devices/esp32_0A1B2C/state');
    expect(facade.pubf('devices/esp32_0A1B2C/state', 2, false, { on: true })).toBeGreaterThan(0);
    expect((await capped).qos).toBe(1);
    facade.pub('devices/esp32_0A1B2C/cmd', 'reboot', 1);
    expect(await commands).toBe('devices/esp32_0A1B2C/cmd reboot');
  });
});
