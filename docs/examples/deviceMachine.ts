/**
 * An example application machine with the MQTT client as its child (spec R170-R179): a device
 * that is provisioned, goes online with `mqttClientLogic` as its child actor, handles the commands
 * it receives (each answered on its ack topic) and goes back to waiting. `device.reset` leaves
 * `online`, which stops the client: DISCONNECT, queue settled.
 *
 * One machine, two ways to own the child: `invoke` (the child lives exactly as long as `online`)
 * or `spawn` (the app holds the ref in its context and stops it itself). The client logic is a
 * parameter, so one machine runs in Node (device.ts) and in the browser demo. In an app, import
 * from 'mqtt-lifeline'; this file imports the source so the tests run it as is.
 */
import { assign, sendTo, setup, stopChild } from 'xstate';
import type { MqttActorEvent, MqttClientActorRef, MqttClientLogic } from '../../runtime/embedded.js';
import type { ServerConfig } from '../../runtime/options.js';

/** What provisioning hands the device. */
export interface Provisioned {
  readonly type: 'device.provisioned';
  readonly servers: readonly ServerConfig[];
}

/** The device's own events, besides the MQTT child's. */
export type DeviceEvent = Provisioned | { readonly type: 'device.reset' } | MqttActorEvent;

/** The device's context. */
export interface DeviceContext {
  readonly deviceId: string;
  readonly servers: readonly ServerConfig[];
  /** The command being handled (its text). */
  readonly command: string | null;
  /** Commands handled so far. */
  readonly handled: number;
  /** The last retry delay the client reported, in ms. */
  readonly lastBackoffMs: number | null;
  /** The MQTT child when spawned (undefined with `invoke`). */
  readonly mqtt: MqttClientActorRef | undefined;
}

const commandTopic = (c: DeviceContext) => `devices/${c.deviceId}/commands`;
const ackTopic = (c: DeviceContext) => `devices/${c.deviceId}/acks`;

/**
 * The device machine.
 * @param ownership - How `online` owns the MQTT child: `invoke` or `spawn`.
 * @param mqttClientLogic - The entry point's `mqttClientLogic` (or `createMqttClientLogic(defaults)`).
 */
export function createDeviceMachine(ownership: 'invoke' | 'spawn', mqttClientLogic: MqttClientLogic) {
  const mqttInput = ({ context }: { context: DeviceContext }) => {
    // The broker discards the will on a clean DISCONNECT: it is published only if the device vanishes.
    // A will is a server's CONNECT option, so each server carries it (at the top it is a ConfigError).
    const will = { topic: `devices/${context.deviceId}/status`, payload: 'lost', qos: 1 as const, retain: false };
    return { servers: context.servers.map((server) => ({ ...server, will })) };
  };
  return setup({
    types: {} as {
      context: DeviceContext;
      events: DeviceEvent;
      input: { deviceId: string };
      children: { mqtt: 'mqtt' };
    },
    actors: { mqtt: mqttClientLogic },
  }).createMachine({
    id: 'device',
    context: ({ input }) => ({
      deviceId: input.deviceId,
      servers: [],
      command: null,
      handled: 0,
      lastBackoffMs: null,
      mqtt: undefined,
    }),
    initial: 'provisioning',
    states: {
      provisioning: {
        on: {
          'device.provisioned': { target: 'online', actions: assign({ servers: ({ event }) => event.servers }) },
        },
      },
      online: {
        // The one difference: who owns the child.
        ...(ownership === 'invoke'
          ? { invoke: { id: 'mqtt', src: 'mqtt', input: mqttInput } as const }
          : {
              entry: assign({
                mqtt: ({ context, spawn }) => spawn('mqtt', { id: 'mqtt', input: mqttInput({ context }) }),
              }),
              exit: [stopChild('mqtt'), assign({ mqtt: undefined })],
            }),
        initial: 'connecting',
        on: {
          'device.reset': { target: '#device.provisioning' },
          'mqtt.backoff': { actions: assign({ lastBackoffMs: ({ event }) => event.delayMs }) },
          'mqtt.disconnected': { target: '.connecting' },
        },
        states: {
          connecting: { on: { 'mqtt.connected': 'subscribing' } },
          subscribing: {
            entry: sendTo('mqtt', ({ context }) => ({ type: 'mqtt.subscribe', filter: commandTopic(context), qos: 1 })),
            on: { 'mqtt.subscribe.done': 'idle' },
          },
          idle: {
            on: {
              'mqtt.message': {
                target: 'handling',
                actions: assign({ command: ({ event }) => new TextDecoder().decode(event.payload) }),
              },
            },
          },
          handling: {
            entry: sendTo('mqtt', ({ context }) => ({
              type: 'mqtt.publish',
              topic: ackTopic(context),
              payload: `done: ${context.command}`,
              qos: 1,
              id: context.handled + 1,
            })),
            on: {
              'mqtt.publish.done': {
                target: 'idle',
                actions: assign({ handled: ({ context }) => context.handled + 1, command: null }),
              },
              'mqtt.publish.error': { target: 'idle', actions: assign({ command: null }) },
            },
          },
        },
      },
    },
  });
}
