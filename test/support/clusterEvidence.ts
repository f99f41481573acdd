/**
 * What a run against the aedes + Redis cluster is judged by (spec R282-R284): the PUBLISH packets
 * that reached a client's socket (a transport wrapper that reads them), and the nodes' own logs
 * (test/support/clusterNode.ts), which tell what the cluster acknowledged, stored and sent. A
 * message the client had handed over that never reached the subscriber's socket is the cluster's
 * loss, sorted by the last step the nodes logged for it; one that reached it and was not delivered
 * would be the client's.
 */
import * as mqttPacket from 'mqtt-packet';
import type { TransportFactory } from '../../runtime/ports.js';
import type { ClusterLine } from './cluster.js';
import { type ClusterDuplicate, clusterDuplicates } from './clusterDuplicates.js';

/**
 * `factory`, with the payload text of every QoS 1 and 2 PUBLISH its connections receive pushed
 * to `arrived` (once per packet, so a re-send shows twice).
 */
export function arrivalsTransport(factory: TransportFactory, arrived: string[]): TransportFactory {
  const wrapped = (target: Parameters<TransportFactory>[0], handlers: Parameters<TransportFactory>[1]) => {
    const parser = mqttPacket.parser({ protocolVersion: 4 });
    parser.on('packet', (packet) => {
      if (packet.cmd === 'publish' && packet.qos > 0)
        arrived.push(Buffer.from(packet.payload).toString('latin1'));
    });
    parser.on('error', () => {});
    return factory(target, {
      ...handlers,
      onData: (chunk) => {
        // A copy: the transport may reuse its buffer, and the parser keeps partial packets.
        parser.parse(Buffer.from(chunk));
        handlers.onData(chunk);
      },
    });
  };
  return factory.checkTls === undefined ? wrapped : Object.assign(wrapped, { checkTls: factory.checkTls });
}

/** Why the cluster lost a message it had acknowledged to the publisher (the last step a node logged). */
export type ClusterLoss =
  /**
   * QoS 1: a node wrote the PUBACK and logged no store of it (aedes 1.2.0 writes PUBACK before
   * it publishes): killed in between.
   */
  | 'puback-before-store'
  /**
   * QoS 2: a node held it (stored the incoming PUBLISH) and died before publishing it; the client
   * sent the PUBLISH again to another node, which found it held, took it for a duplicate and
   * answered PUBREC without publishing it.
   */
  | 'held-not-published'
  /** A node acknowledged it (PUBACK/PUBREC) and logged no store of it, otherwise. */
  | 'acked-not-stored'
  /** Stored for the subscriber, and no node ever sent it to the subscriber. */
  | 'stored-not-sent'
  /** Sent to the subscriber on a connection that died before it arrived, and never sent again. */
  | 'sent-not-resent';

/** A run's messages as the application and the nodes saw them. */
export interface RunRecord {
  /** Payloads whose publish the client saw completed (PUBACK / PUBCOMP). */
  readonly acked: readonly string[];
  /** Payloads whose publish failed (an error to the application). */
  readonly failed: readonly string[];
  /** Payload -> how many times the subscriber's application got it. */
  readonly delivered: ReadonlyMap<string, number>;
  /** Payloads of the QoS > 0 PUBLISH packets that reached the subscriber's socket. */
  readonly arrived: readonly string[];
  /** The subscriber's client id. */
  readonly subscriber: string;
  /** Every node line. */
  readonly lines: readonly ClusterLine[];
}

/** The verdict on a run. */
export interface RunVerdict {
  /** Acknowledged to the publisher, never delivered, and never reached the subscriber: the cluster's, by kind. */
  readonly clusterLost: ReadonlyMap<string, ClusterLoss>;
  /** Reached the subscriber's socket and never delivered: the client's (must be empty). */
  readonly clientLost: readonly string[];
  /** QoS 2 payloads delivered more than once that the nodes did not send as new messages (must be empty, R211, R283). */
  readonly qos2Duplicates: readonly string[];
  /** QoS 2 payloads delivered more than once because the nodes sent them as new messages: the cluster's, by kind (R283). */
  readonly qos2ClusterDuplicates: ReadonlyMap<string, ClusterDuplicate>;
  /** QoS 1 payloads delivered more than once (allowed: at least once). */
  readonly qos1Duplicates: number;
  /** QoS 2 payloads the nodes sent to the subscriber on more than one connection (the cluster's re-sends). */
  readonly qos2Resent: number;
  /** Of those, sent again after a node had already sent their PUBREL (what the guard of R211 is for). */
  readonly qos2ResentAfterRelease: number;
  /** Lost payloads with no node line acknowledging them to the publisher (must be empty: evidence). */
  readonly unexplained: readonly string[];
}

/** Judges a run (see {@link RunVerdict}). */
export function judgeRun(run: RunRecord): RunVerdict {
  const arrived = new Set(run.arrived);
  const missing = run.acked.filter((p) => !run.delivered.has(p));
  const clientLost = missing.filter((p) => arrived.has(p));
  const steps = nodeSteps(run.lines, run.subscriber);
  const clusterLost = new Map<string, ClusterLoss>();
  const unexplained: string[] = [];
  for (const payload of missing.filter((p) => !arrived.has(p))) {
    const s = steps.get(payload);
    if (s === undefined || !s.acked) unexplained.push(payload);
    else if (s.sentOn.size > 0) clusterLost.set(payload, 'sent-not-resent');
    else if (s.stored) clusterLost.set(payload, 'stored-not-sent');
    else if (payload.startsWith('q1-')) clusterLost.set(payload, 'puback-before-store');
    else clusterLost.set(payload, s.held ? 'held-not-published' : 'acked-not-stored');
  }
  const multiple = [...run.delivered].filter(([, n]) => n > 1).map(([p]) => p);
  const qos2ClusterDuplicates = clusterDuplicates(run.lines, run.subscriber, run.delivered);
  const qos2 = [...steps].filter(([p]) => p.startsWith('q2-')).map(([, s]) => s);
  return {
    clusterLost,
    clientLost,
    qos2Duplicates: multiple.filter((p) => p.startsWith('q2-') && !qos2ClusterDuplicates.has(p)),
    qos2ClusterDuplicates,
    qos1Duplicates: multiple.filter((p) => p.startsWith('q1-')).length,
    qos2Resent: qos2.filter((s) => s.sentOn.size > 1).length,
    qos2ResentAfterRelease: qos2.filter((s) => s.resentAfterRelease).length,
    unexplained,
  };
}

/** Per payload: whether a node acknowledged it to its publisher, stored it, and on which subscriber connections it was sent. */
interface Steps {
  acked: boolean;
  /**
   * A node stored it as an incoming QoS 2 message: its `held` line, or a PUBREC to the PUBLISH sent
   * again on a later connection (aedes answers a re-sent PUBLISH it holds with PUBREC alone; a
   * node killed right after Redis stored it never prints `held`).
   */
  held: boolean;
  /** The connection it first came in on. */
  firstIn: string | undefined;
  stored: boolean;
  readonly sentOn: Set<string>;
  /** A node sent its PUBREL to the subscriber. */
  released: boolean;
  /** A node sent it to the subscriber again after that. */
  resentAfterRelease: boolean;
}

function nodeSteps(lines: readonly ClusterLine[], subscriber: string): Map<string, Steps> {
  const steps = new Map<string, Steps>();
  const of = (payload: string): Steps => {
    let s = steps.get(payload);
    if (s === undefined) {
      s = {
        acked: false,
        held: false,
        firstIn: undefined,
        stored: false,
        sentOn: new Set(),
        released: false,
        resentAfterRelease: false,
      };
      steps.set(payload, s);
    }
    return s;
  };
  const subscriberConns = new Set<string>();
  /** `<conn> <id>` of a publisher's PUBLISH -> its payload, for matching the node's ack. */
  const incoming = new Map<string, string>();
  /** `<conn> <id>` of a PUBLISH to the subscriber -> its payload, for matching the node's PUBREL. */
  const outgoing = new Map<string, string>();
  for (const { text } of lines) {
    const f = text.split(' ');
    if (f[0] === 'conn' && f[2] === subscriber) subscriberConns.add(f[1] as string);
    else if (f[0] === 'stored') of(f[1] as string).stored = true;
    else if (f[0] === 'held') of(f[1] as string).held = true;
    else if (f[0] === 'in' && f[2] === 'publish') {
      incoming.set(`${f[1]} ${f[3]}`, f[6] as string);
      const s = of(f[6] as string);
      s.firstIn ??= f[1];
    } else if (f[0] === 'out' && (f[2] === 'puback' || f[2] === 'pubrec')) {
      const payload = incoming.get(`${f[1]} ${f[3]}`);
      if (payload === undefined) continue;
      const s = of(payload);
      s.acked = true;
      if (f[2] === 'pubrec' && s.firstIn !== f[1]) s.held = true;
    } else if (f[0] === 'out' && f[2] === 'publish' && subscriberConns.has(f[1] as string)) {
      const s = of(f[6] as string);
      s.sentOn.add(f[1] as string);
      if (s.released) s.resentAfterRelease = true;
      outgoing.set(`${f[1]} ${f[3]}`, f[6] as string);
    } else if (f[0] === 'out' && f[2] === 'pubrel') {
      const payload = outgoing.get(`${f[1]} ${f[3]}`);
      if (payload !== undefined) of(payload).released = true;
    }
  }
  return steps;
}
