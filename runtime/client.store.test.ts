/**
 * A session store that cannot write (a full or failing disk) never crashes the client and never
 * lets a packet out that depends on a record it could not store (docs/spec.md R102).
 */
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import { StoreError } from '../errors.js';
import { attachStore } from '../protocol/sessionLog.js';
import { MemoryStore, type StoreRecord } from '../protocol/store.js';
import { fakeNetwork } from '../test/support/fakeTransport.js';
import { MqttClient } from './client.js';

/** A store that fails to write records of `type`, as a file store does when the disk fails. */
class FailingStore extends MemoryStore {
  constructor(private readonly failing: StoreRecord['type']) {
    super();
  }
  override append(record: StoreRecord, urgent: boolean): boolean {
    if (record.type === this.failing)
      throw new StoreError('STORE_IO', '/tmp/session.log', 'write failed: ENOSPC');
    return super.append(record, urgent);
  }
}

function connectedClient(failing: StoreRecord['type']) {
  const net = fakeNetwork();
  const client = new MqttClient({
    servers: [
      { host: 'p', transport: net.factory, clientId: 'c', clean: false, minDelayMs: 10, maxDelayMs: 10 },
    ],
    clock: new SimulatedClock(),
    session: { store: new FailingStore(failing) },
    storeRecovery: attachStore,
  });
  const errors: string[] = [];
  client.onEvent((e) => {
    if (e.type === 'protocol.error') errors.push(e.code);
  });
  client.connect();
  const conn = net.connections[0];
  conn?.handlers.onOpen();
  conn?.reply({ cmd: 'connack', returnCode: 0, sessionPresent: true });
  return { client, conn, errors };
}

describe('a session store that fails to write (R102)', () => {
  it('fails the connection with STORE_IO instead of acknowledging an inbound QoS 2 message it could not record', () => {
    const { client, conn, errors } = connectedClient('inbound');
    conn?.reply({
      cmd: 'publish',
      topic: 'a',
      payload: Buffer.from('x'),
      qos: 2,
      messageId: 5,
      dup: false,
      retain: false,
    });
    expect(errors).toEqual(['STORE_IO']);
    expect(conn?.written.some((p) => p.cmd === 'pubrec')).toBe(false);
    expect(client.isConnected()).toBe(false);
  });

  it('sends no PUBREL for a PUBREC it could not record', () => {
    const { client, conn, errors } = connectedClient('pubrec');
    client.publishNow('t', 'x', 2, false);
    conn?.reply({ cmd: 'pubrec', messageId: 1 });
    expect(errors).toEqual(['STORE_IO']);
    expect(conn?.written.some((p) => p.cmd === 'pubrel')).toBe(false);
  });

  it('throws the StoreError from publish when the message cannot be recorded, and sends nothing', () => {
    const { client, conn } = connectedClient('publish');
    expect(() => client.publishNow('t', 'x', 1, false)).toThrow(StoreError);
    expect(conn?.written.some((p) => p.cmd === 'publish')).toBe(false);
  });
});
