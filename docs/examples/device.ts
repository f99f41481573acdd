/**
 * The device machine of deviceMachine.ts with Node's client logic (spec R179). In an app:
 * `import { mqttClientLogic } from 'mqtt-lifeline'`.
 */
import type { ActorRefFrom } from 'xstate';
import { mqttClientLogic } from '../../index.js';
import { createDeviceMachine as withLogic } from './deviceMachine.js';

export type { DeviceContext, DeviceEvent, Provisioned } from './deviceMachine.js';

/**
 * The device machine over Node's transports.
 * @param ownership - How `online` owns the MQTT child: `invoke` or `spawn`.
 */
export const createDeviceMachine = (ownership: 'invoke' | 'spawn') => withLogic(ownership, mqttClientLogic);

/** The device machine with its MQTT child invoked by `online`. */
export const deviceMachine = createDeviceMachine('invoke');

/** A running device's actor. */
export type DeviceActorRef = ActorRefFrom<typeof deviceMachine>;
