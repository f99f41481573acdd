/** The JS API `MQTT` object and throwing handlers, against aedes. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanupList } from '../../test/support/cleanups.js';
import { startFacade } from '../../test/support/mongooseFacade.js';
import { connectFacade, nextGlobal } from '../../test/support/mongooseWait.js';
import { createMqttJs, type HandlerKind, MG_EV, type MqttJsEventData } from './index.js';

const { defer, run } = cleanupList();
afterEach(async () => {
  // Disconnecting delivers EV_CLOSE to handlers that may still throw: keep console.error mocked until then.
  await run();
  vi.restoreAllMocks();
});

async function setup(onHandlerError?: (error: unknown, kind: HandlerKind) => void) {
  const { broker, facade } = await startFacade(defer, onHandlerError ? { onHandlerError } : {});
  return { broker, facade, MQTT: createMqttJs(facade) };
}

describe('createMqttJs', () => {
  it('has Mongoose event numbers', async () => {
    const { MQTT } = await setup();
    expect(MQTT).toMatchObject({
      EV_CONNACK: 202,
      EV_PUBLISH: 203,
      EV_PUBACK: 204,
      EV_PUBREC: 205,
      EV_PUBREL: 206,
      EV_PUBCOMP: 207,
      EV_SUBACK: 209,
      EV_UNSUBACK: 211,
      EV_CLOSE: 5,
    });
  });

  it('setEventHandler adds handlers that get EV_CONNACK, then EV_PUBACK for a QoS 1 pub', async () => {
    const { facade, MQTT } = await setup();
    const first: [number, MqttJsEventData | null, string][] = [];
    const second: number[] = [];
    MQTT.setEventHandler((conn, ev, edata, ud) => {
      expect(conn).toBe(facade);
      first.push([ev, edata, ud]);
    }, 'ud');
    MQTT.setEventHandler((_conn, ev) => second.push(ev));
    expect(MQTT.isConnected()).toBe(false);
    await connectFacade(facade);
    expect(MQTT.isConnected()).toBe(true);
    const acked = nextGlobal(facade, MG_EV.MQTT_PUBACK);
    const id = MQTT.pub('js/t', 'x', 1);
    await acked;
    expect(first.map(([ev]) => ev)).toEqual([MQTT.EV_CONNACK, MQTT.EV_PUBACK]);
    expect(first[1]?.[1]?.messageId).toBe(id);
    expect(first[1]?.[2]).toBe('ud');
    expect(second).toEqual([MQTT.EV_CONNACK, MQTT.EV_PUBACK]);
  });

  it('sub hands the message as a string; pub defaults to QoS 0 and gives 0 offline', async () => {
    const { facade, MQTT } = await setup();
    expect(MQTT.pub('js/t', 'offline')).toBe(0);
    const got = new Promise<unknown[]>((resolve) =>
      MQTT.sub('js/#', (conn, topic, msg, ud) => resolve([conn, topic, msg, ud]), 42),
    );
    const subacked = new Promise<void>((resolve) =>
      facade.globalSubscribe('js/ack', (ev) => ev === MG_EV.MQTT_SUBACK && resolve(), null),
    );
    await connectFacade(facade);
    await subacked;
    expect(MQTT.pub('js/t', 'héllo')).toBeGreaterThan(0);
    expect(await got).toEqual([facade, 'js/t', 'héllo', 42]);
  });
});

describe('MongooseMqtt handlers that throw', () => {
  it('report to onHandlerError, let the next handlers run and leave the client working', async () => {
    const reported: string[] = [];
    const { facade } = await setup((error, kind) => reported.push(`${kind}: ${(error as Error).message}`));
    const order: string[] = [];
    facade.onCloudEvent(() => {
      throw new Error('cloud boom');
    });
    facade.addGlobalHandler(() => {
      throw new Error('global boom');
    }, null);
    facade.addGlobalHandler((ev) => order.push(`global ${ev}`), null);
    const received = new Promise<void>((resolve) => {
      facade.sub(
        'b/t',
        () => {
          throw new Error('sub boom');
        },
        null,
      );
      facade.sub('b/#', () => resolve(), null);
    });
    await connectFacade(facade);
    const suback = new Promise<void>((resolve) =>
      facade.globalSubscribe('b/x', (ev) => ev === MG_EV.MQTT_SUBACK && resolve(), null),
    );
    await suback;
    facade.pub('b/t', 'x', 1);
    await received;
    const acked = nextGlobal(facade, MG_EV.MQTT_PUBACK);
    facade.pub('b/after', 'y', 1);
    await acked;
    expect(order).toContain(`global ${MG_EV.MQTT_CONNACK}`);
    expect(reported).toEqual(
      expect.arrayContaining(['cloud: cloud boom', 'global: global boom', 'subscription: sub boom']),
    );
    expect(facade.isConnected()).toBe(true);
  });

  it('go to console.error by default, and a throwing reporter cannot break the client either', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const { facade } = await setup();
    facade.addGlobalHandler(() => {
      throw new Error('boom');
    }, null);
    await connectFacade(facade);
    expect(logged).toHaveBeenCalledWith(expect.stringContaining('global handler threw'), expect.any(Error));

    const second = await setup(() => {
      throw new Error('reporter boom');
    });
    second.facade.addGlobalHandler(() => {
      throw new Error('boom');
    }, null);
    await connectFacade(second.facade);
    expect(logged).toHaveBeenLastCalledWith(
      expect.stringContaining('global handler threw'),
      expect.objectContaining({ message: 'reporter boom' }),
    );
    expect(second.facade.isConnected()).toBe(true);
  });
});
