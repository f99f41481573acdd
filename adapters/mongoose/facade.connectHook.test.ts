/**
 * Spec R64 on the wire: a MongooseMqtt built over an existing MqttClient keeps the client's own
 * connect hook and runs the Mongoose connect fn after it, on the options that hook returned. A
 * scripted broker records the CONNECT each attempt really carried.
 */
import type * as mqtt from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { connack } from '../../test/support/fakeBroker.js';
import { server, useResources } from '../../test/support/integration.js';
import { nextGlobal } from '../../test/support/mongooseWait.js';
import { loadMongooseConfig } from './config.js';
import { MG_EV, MongooseMqtt } from './index.js';

const { defer, fakeBroker, makeClient } = useResources();

describe('MongooseMqtt over an existing client: connect hooks compose (R64)', () => {
  it("CONNECT carries the client hook's user name and the Mongoose connect fn's password and will, the fn seeing the hook's output", async () => {
    const broker = await fakeBroker((connection, packet) => {
      if (packet.cmd === 'connect') connection.send(connack(false));
    });
    const client = makeClient({
      servers: [server(broker.port)],
      connectHook: ({ options }) => ({ ...options, username: 'from-client-hook' }),
    });
    const facade = new MongooseMqtt({
      client,
      config: loadMongooseConfig({ mqtt: { enable: true, server: `127.0.0.1:${broker.port}` } }),
    });
    defer(() => facade.globalDisconnect());
    const seenByFn: (string | undefined)[] = [];
    facade.setConnectFn((options, _context, suffix) => {
      seenByFn.push(options.username);
      return {
        ...options,
        password: `${options.username ?? 'nobody'}-${suffix}`,
        will: { topic: 'dev/status', payload: 'offline', qos: 1 },
      };
    }, 'token');
    const connected = nextGlobal(facade, MG_EV.MQTT_CONNACK);
    expect(facade.globalConnect()).toBe(true);
    await connected;

    expect(seenByFn).toEqual(['from-client-hook']);
    const connect = broker.connections[0]?.packets[0] as mqtt.IConnectPacket | undefined;
    expect(connect?.cmd).toBe('connect');
    expect(connect?.username).toBe('from-client-hook');
    expect(String(connect?.password)).toBe('from-client-hook-token');
    expect(connect?.will).toMatchObject({ topic: 'dev/status', qos: 1 });
    expect(String(connect?.will?.payload)).toBe('offline');
  });
});
