/**
 * The browser's opt-in subpaths (spec R185, R186) at work, run in Node over TCP (the wire check's
 * transport stands in for the browser's `WebSocket`; the Chromium tests cover that transport):
 * `mqtt-lifeline/browser/mqtt5` is what turns `protocolVersion: 5` on for the browser client, and
 * `mqtt-lifeline/browser/embedded`'s logic runs the browser client inside an app's machine.
 */
import type * as mqtt from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { type AnyEventObject, createActor, setup } from 'xstate';
import { MqttClient } from '../../browser.js';
import { mqttClientLogic } from '../../browserEmbedded.js';
import { mqtt5 } from '../../browserMqtt5.js';
import { ConfigError } from '../../errors.js';
import type { MqttActorEvent } from '../../runtime/embedded.js';
import { connect, server, useResources } from '../support/integration.js';

const { fakeBroker, aedes, checked, own, defer } = useResources();

describe("the browser's opt-in subpaths", () => {
  it('R185: protocolVersion 5 is a ConfigError for the browser client until mqtt5 from browser/mqtt5 is passed; then it speaks MQTT 5', async () => {
    const broker = await fakeBroker((c, p) => {
      if (p.cmd === 'connect')
        c.send({ cmd: 'connack', reasonCode: 0, sessionPresent: false } as mqtt.IConnackPacket);
    });
    const options = { servers: [server(broker.port, { clientId: 'b5' })], protocolVersion: 5 as const };
    let refused: unknown;
    try {
      new MqttClient(options);
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(ConfigError);
    expect((refused as ConfigError).message).toMatch(/protocolVersion/);

    const client = own(new MqttClient(checked({ ...options, mqtt5 })));
    await connect(client);
    expect(broker.connections[0]?.packets[0]).toMatchObject({
      cmd: 'connect',
      protocolVersion: 5,
      clientId: 'b5',
    });
  });

  it("R186: browser/embedded's mqttClientLogic runs the browser client in an app's machine: connected, a QoS 1 command answered, the message heard", async () => {
    const broker = await aedes();
    const heard: MqttActorEvent[] = [];
    const app = setup({ actors: { mqtt: mqttClientLogic } }).createMachine({
      invoke: { id: 'mqtt', src: 'mqtt', input: checked({ servers: [server(broker.port)] }) },
      on: { '*': { actions: ({ event }: { event: AnyEventObject }) => heard.push(event as MqttActorEvent) } },
    });
    const actor = createActor(app);
    defer(() => actor.stop());
    const hear = (type: MqttActorEvent['type']) =>
      new Promise<void>((resolve) => {
        const sub = actor.subscribe(() => {
          if (!heard.some((e) => e.type === type)) return;
          sub.unsubscribe();
          resolve();
        });
        if (heard.some((e) => e.type === type)) resolve();
      });
    actor.start();
    const child = actor.getSnapshot().children.mqtt;
    await hear('mqtt.connected');
    child?.send({ type: 'mqtt.subscribe', filter: 'b/embedded', qos: 1, id: 's' });
    await hear('mqtt.subscribe.done');
    child?.send({ type: 'mqtt.publish', topic: 'b/embedded', payload: 'hi', qos: 1, id: 'p' });
    await hear('mqtt.message');
    await hear('mqtt.publish.done');
    const message = heard.find((e) => e.type === 'mqtt.message');
    expect(message).toMatchObject({ type: 'mqtt.message', topic: 'b/embedded', qos: 1 });
    expect(new TextDecoder().decode((message as { payload: Uint8Array }).payload)).toBe('hi');
  });
});
