/**
 * The persistent-session outage scenario that each real broker runs: a QoS 2 subscriber and a
 * publisher, an `inflight` QoS 1 message left unanswered at the outage, three QoS 1 and three QoS 2
 * messages published while the broker is down, and the delivery guarantees checked afterwards.
 * Messages are told apart by payload (`inflight`, `q1-0`, `q2-0`, ...); topics are under a prefix
 * the test chooses.
 */
import { expect } from 'vitest';
import type { QoS } from '../../protocol/session.js';
import type { MqttClient } from '../../runtime/client.js';
import { waitForClientEvent, waitForCount } from './clientEvents.js';
import { connect } from './integration.js';

/** One message as the subscriber received it (the payload copied to text: the live one is a view). */
export interface Received {
  readonly text: string;
  readonly qos: QoS;
}

/** How many distinct messages the scenario sends before its barrier: `inflight` and six offline. */
const MESSAGES = 7;

/**
 * Subscribes `sub` to `${prefix}/#` at QoS 2, connects it and checks the broker granted QoS 2,
 * then connects `pub`; returns what `sub` receives from now on.
 */
export async function connectPair(sub: MqttClient, pub: MqttClient, prefix: string): Promise<Received[]> {
  const received: Received[] = [];
  const subscribed = waitForClientEvent(sub, 'suback');
  sub.subscribe(`${prefix}/#`, { qos: 2 }).subscribe((m) => {
    received.push({ text: Buffer.from(m.payload).toString('utf8'), qos: m.qos });
  });
  await connect(sub);
  expect((await subscribed).granted).toBe(2);
  await connect(pub);
  return received;
}

/** Runs `stop` (the broker going away); resolves once each of `clients` has seen its connection drop. */
export async function takeDown(clients: readonly MqttClient[], stop: () => Promise<void>): Promise<void> {
  const down = Promise.all(clients.map((client) => waitForClientEvent(client, 'disconnected')));
  await stop();
  await down;
}

/** Publishes `q1-i` at QoS 1 and `q2-i` at QoS 2 for i = 0..2, interleaved; returns their completions. */
export function publishOffline(pub: MqttClient, prefix: string): Promise<void>[] {
  return ['0', '1', '2'].flatMap((i) => [
    pub.publish(`${prefix}/q1/${i}`, `q1-${i}`, { qos: 1 }),
    pub.publish(`${prefix}/q2/${i}`, `q2-${i}`, { qos: 2 }),
  ]);
}

/**
 * Waits until `sub` has every message of the scenario at least once, then for a later QoS 2
 * message from the same publisher: a barrier, so any duplicate would have arrived by then.
 */
export async function awaitAllDelivered(
  sub: MqttClient,
  pub: MqttClient,
  prefix: string,
  received: readonly Received[],
): Promise<void> {
  await waitForCount(sub, () => [...new Set(received.map((r) => r.text))], MESSAGES);
  const end = waitForClientEvent(sub, 'message', (m) => m.topic === `${prefix}/end`);
  await pub.publish(`${prefix}/end`, 'end', { qos: 2 });
  await end;
}

/** QoS 2 messages arrived exactly once, QoS 1 ones (the in-flight one too) at least once. */
export function expectDeliveryGuarantees(received: readonly Received[]): void {
  const count = (t: string) => received.filter((r) => r.text === t).length;
  for (const i of ['0', '1', '2']) {
    expect(count(`q2-${i}`), `q2-${i} exactly once`).toBe(1);
    expect(count(`q1-${i}`), `q1-${i} at least once`).toBeGreaterThanOrEqual(1);
  }
  expect(count('inflight')).toBeGreaterThanOrEqual(1);
}
