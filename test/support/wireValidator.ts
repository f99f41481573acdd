/**
 * A protocol checker for what one client writes (spec R220-R226, R335-R337): it is fed the bytes
 * of each connection in both directions and records every breach of the MQTT 3.1.1 and MQTT 5
 * packet rules the integration tests hold the client to (the MQTT 5 ones in `wireV5.ts`). It
 * only reads; the tests decide when to assert ({@link WireValidator.assertValid}). Fed by a transport wrapper (`wireCheck.ts`) for clients in
 * the test process, or by a TCP tap for clients in child processes.
 */
import * as mqtt from 'mqtt-packet';
import { DEFAULT_SESSION_OPTIONS } from '../../protocol/sessionOptions.js';
import type { ViolationKind, WireConnection, WireValidatorOptions, WireViolation } from './wireTypes.js';
import { V5Rules } from './wireV5.js';

export type { ViolationKind, WireConnection, WireValidatorOptions, WireViolation } from './wireTypes.js';

/**
 * Where an outbound QoS >= 1 id stands. `sent`: written, awaiting PUBACK / PUBREC. `pubrec`: PUBREL
 * owed. `stale`: written before the broker lost the session or the client stopped; the client may
 * re-send it or drop it and reuse the id. `orphan`: PUBREL owed for a message the client dropped
 * (spec R60: it holds no window slot).
 */
interface Outbound {
  qos: 1 | 2;
  state: 'sent' | 'pubrec' | 'stale' | 'orphan';
  /** The connection it was last written on. */
  connection: number;
}

/** mqtt-packet's parser state: in a packet when past its first state or holding bytes. */
interface ParserState {
  readonly _list?: { readonly length: number };
  readonly _stateCounter?: number;
}

/** Checks the packets of one client, across all its connections. */
export class WireValidator {
  /** Every breach so far, in order. */
  readonly violations: WireViolation[] = [];
  /** Client packets seen, by type (for tests that want proof the validator saw traffic). */
  readonly counts = new Map<string, number>();
  readonly #options: Required<Omit<WireValidatorOptions, 'onViolation'>>;
  readonly #onViolation: ((violation: WireViolation) => void) | undefined;
  readonly #outbound = new Map<number, Outbound>();
  #connections = 0;

  constructor(options: WireValidatorOptions = {}) {
    this.#options = {
      maxInflight: options.maxInflight ?? DEFAULT_SESSION_OPTIONS.maxInflight,
      maxInflightQos2:
        options.maxInflightQos2 ?? options.maxInflight ?? DEFAULT_SESSION_OPTIONS.maxInflightQos2,
      restored: options.restored ?? false,
      restarts: options.restarts ?? false,
      label: options.label ?? 'the client',
    };
    this.#onViolation = options.onViolation;
  }

  /** Starts feeding a new connection of the client. */
  connection(): WireConnection {
    const index = this.#connections++;
    /** SUBSCRIBE / UNSUBSCRIBE ids awaiting their ack: not session state, so per connection. */
    const acks = new Set<number>();
    let packets = 0;
    let broken = false;
    const report = (kind: ViolationKind, message: string) => {
      const violation = { kind, connection: index, packet: packets, message };
      this.violations.push(violation);
      this.#onViolation?.(violation);
    };
    /** The MQTT 5 rules, once the CONNECT said version 5 (R335-R337). */
    let v5: V5Rules | undefined;
    // mqtt-packet's parser takes the protocol version from the CONNECT it parses.
    const clientParser = mqtt.parser({ protocolVersion: 4 });
    clientParser.on('packet', (packet: mqtt.Packet) => {
      this.counts.set(packet.cmd, (this.counts.get(packet.cmd) ?? 0) + 1);
      if (packet.cmd === 'connect' && packet.protocolVersion === 5) v5 ??= new V5Rules(report);
      v5?.client(packet);
      this.#onClient(packet, index, packets, acks, report, v5?.terms.receiveMaximum);
      packets++;
    });
    clientParser.on('error', (error: Error) => {
      broken = true;
      report('unparseable', `bytes that do not parse as MQTT ${v5 ? 5 : '3.1.1'}: ${error.message}`);
    });
    // Made at the broker's first bytes, which follow the CONNECT: its version is known then.
    let serverParser: ReturnType<typeof mqtt.parser> | undefined;
    const parseServer = (bytes: Uint8Array) => {
      if (serverParser === undefined) {
        const parser = mqtt.parser({ protocolVersion: v5 ? 5 : 4 });
        parser.on('packet', (packet: mqtt.Packet) => {
          v5?.server(packet);
          this.#onServer(packet, acks);
        });
        // What the broker writes is not ours to judge; a parse failure only stops following it.
        parser.on('error', () => parser.removeAllListeners('packet'));
        serverParser = parser;
      }
      serverParser.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    };
    return {
      client: (bytes) => {
        if (!broken) clientParser.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      },
      server: parseServer,
      closed: () => {
        const state = clientParser as unknown as ParserState;
        if (!broken && ((state._list?.length ?? 0) > 0 || (state._stateCounter ?? 0) > 0))
          report('unparseable', 'the connection ended inside a packet');
        broken = true;
      },
    };
  }

  /** Throws an error listing every violation (the first 20), if there is any. */
  assertValid(): void {
    if (this.violations.length === 0) return;
    const lines = this.violations
      .slice(0, 20)
      .map((v) => `  [${v.kind}] connection ${v.connection}, packet ${v.packet}: ${v.message}`);
    throw new Error(
      `${this.#options.label} broke the MQTT wire rules (spec R220-R226, R335-R337) ${this.violations.length} time(s):\n${lines.join('\n')}`,
    );
  }

  /** QoS >= 1 messages holding a window slot now (spec R60), or of QoS `qos` only. */
  inflight(connection: number, qos?: 1 | 2): number {
    let n = 0;
    for (const o of this.#outbound.values())
      if (
        (qos === undefined || o.qos === qos) &&
        (o.state === 'pubrec' || (o.state === 'sent' && o.connection === connection))
      )
        n++;
    return n;
  }

  #onClient(
    packet: mqtt.Packet,
    connection: number,
    index: number,
    acks: Set<number>,
    report: (kind: ViolationKind, message: string) => void,
    receiveMaximum: number | undefined,
  ): void {
    if ((packet.cmd === 'connect') !== (index === 0))
      report(
        'connect-order',
        index === 0 ? `first packet is ${packet.cmd}, not CONNECT` : 'a second CONNECT',
      );
    switch (packet.cmd) {
      case 'publish':
        this.#onPublish(packet, connection, acks, report, receiveMaximum ?? Number.POSITIVE_INFINITY);
        return;
      case 'pubrel':
        this.#onPubrel(packet.messageId ?? 0, connection, report);
        return;
      case 'subscribe':
      case 'unsubscribe': {
        const id = packet.messageId ?? 0;
        if (id === 0 || acks.has(id) || this.#holds(id))
          report('id-in-use', `${packet.cmd.toUpperCase()} with packet id ${id}, which is in flight`);
        acks.add(id);
        return;
      }
      case 'disconnect':
        // The client stops (spec R84): unacknowledged messages are dropped, PUBREL-owed ids orphaned.
        for (const o of this.#outbound.values()) {
          if (o.state === 'sent') o.state = 'stale';
          else if (o.state === 'pubrec') o.state = 'orphan';
        }
        return;
      default:
        return;
    }
  }

  #onPublish(
    packet: mqtt.IPublishPacket,
    connection: number,
    acks: Set<number>,
    report: (kind: ViolationKind, message: string) => void,
    receiveMaximum: number,
  ): void {
    const what = `PUBLISH to '${packet.topic}'`;
    if (packet.qos === 0) {
      if (packet.dup) report('dup-first-send', `${what} at QoS 0 with DUP = 1 [MQTT-3.3.1-2]`);
      return;
    }
    const id = packet.messageId ?? 0;
    const known = this.#outbound.get(id);
    if (id === 0 || acks.has(id)) report('id-in-use', `${what} with packet id ${id}, which is in flight`);
    else if (packet.dup) {
      if (known === undefined && !this.#options.restored && !this.#options.restarts)
        report('dup-first-send', `${what} with DUP = 1, but packet id ${id} was never sent before`);
      else if (known !== undefined && (known.state === 'pubrec' || known.state === 'orphan'))
        report('id-in-use', `${what} re-sent with id ${id} after its PUBREC: PUBREL was owed [MQTT-4.3.3]`);
    } else if (known !== undefined && known.state !== 'stale' && !this.#options.restarts)
      report('id-in-use', `${what} (DUP = 0) with packet id ${id}, which is in flight (${known.state})`);
    this.#outbound.set(id, { qos: packet.qos, state: 'sent', connection });
    const inflight = this.inflight(connection);
    const window = Math.min(this.#options.maxInflight, receiveMaximum);
    if (inflight > window)
      report(
        'window-exceeded',
        `${inflight} messages in flight after ${what}; the window is ${window}${window < this.#options.maxInflight ? " (the broker's Receive Maximum)" : ''}`,
      );
    const inflightQos2 = this.inflight(connection, 2);
    if (packet.qos === 2 && inflightQos2 > this.#options.maxInflightQos2)
      report(
        'window-exceeded',
        `${inflightQos2} QoS 2 messages in flight after ${what}; the QoS 2 window is ${this.#options.maxInflightQos2}`,
      );
    // A full QoS 2 window is a used-up receive quota on mosquitto, which discards a new QoS 1
    // PUBLISH too (spec R160); a re-send (DUP) of one it took loses nothing.
    if (packet.qos === 1 && !packet.dup && inflightQos2 >= this.#options.maxInflightQos2)
      report(
        'window-exceeded',
        `${what} at QoS 1 while ${inflightQos2} QoS 2 messages are in flight; the QoS 2 window is ${this.#options.maxInflightQos2}`,
      );
  }

  #onPubrel(id: number, connection: number, report: (kind: ViolationKind, message: string) => void): void {
    const known = this.#outbound.get(id);
    if (known === undefined) {
      if (!this.#options.restored && !this.#options.restarts)
        report('pubrel-without-pubrec', `PUBREL for packet id ${id}, which never got PUBREC`);
      this.#outbound.set(id, { qos: 2, state: 'orphan', connection });
      return;
    }
    if (known.state === 'pubrec' || known.state === 'orphan') return;
    // A QoS 2 message written on an earlier connection and dropped since: the client releases its
    // id on the broker (spec R60, outbound `discard`) so the next message with it is not lost.
    if (known.qos === 2 && known.connection < connection) {
      known.state = 'orphan';
      return;
    }
    report('pubrel-without-pubrec', `PUBREL for packet id ${id}, which got no PUBREC (${known.state})`);
  }

  /** True while the broker may hold `id` for an outbound message. */
  #holds(id: number): boolean {
    const o = this.#outbound.get(id);
    return o !== undefined && o.state !== 'stale';
  }

  #onServer(packet: mqtt.Packet, acks: Set<number>): void {
    const id = packet.messageId ?? 0;
    const known = this.#outbound.get(id);
    switch (packet.cmd) {
      case 'connack':
        if ((packet.returnCode ?? packet.reasonCode) === 0 && !packet.sessionPresent)
          // The broker forgot the session (spec R114): PUBREL-owed ids count as delivered and are
          // free; written messages may be re-sent (DUP = 1) or dropped.
          for (const [key, o] of this.#outbound) {
            if (o.state === 'pubrec' || o.state === 'orphan') this.#outbound.delete(key);
            else o.state = 'stale';
          }
        return;
      case 'puback':
        if (known?.qos === 1) this.#outbound.delete(id);
        return;
      case 'pubrec':
        // MQTT 5: a PUBREC with a failure code ends the exchange; no PUBREL follows [MQTT-4.3.3].
        if (known?.qos === 2 && (packet.reasonCode ?? 0) >= 0x80) this.#outbound.delete(id);
        else if (known?.qos === 2 && (known.state === 'sent' || known.state === 'stale'))
          known.state = 'pubrec';
        return;
      case 'pubcomp':
        if (known?.state === 'pubrec' || known?.state === 'orphan') this.#outbound.delete(id);
        return;
      case 'suback':
      case 'unsuback':
        acks.delete(id);
        return;
      default:
        return;
    }
  }
}
