/**
 * The soak's optional trace (`SOAK_TRACE=<dir>` or `runSoak({ trace })`): every MQTT packet
 * through the proxy, both ways, per connection, with the client id of its CONNECT; each side's
 * client events; the faults; and mosquitto's own log (`log_type all`). It is how a lost message
 * is attributed (spec R227): did the client write it, on which connection, did the broker answer,
 * did it go out to the other side.
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import * as mqtt from 'mqtt-packet';

/** Direction of a chunk through the proxy: from the client (`>`) or from the broker (`<`). */
export type Direction = '>' | '<';

/** Where the trace writes, and how each piece of it is fed. */
export interface SoakTrace {
  /** mosquitto configuration lines that make it log everything to the trace directory. */
  readonly brokerConfig: string;
  /** A line of the soak's own (faults, client events). */
  note(line: string): void;
  /** A new proxy connection: returns the feed of its chunks. */
  connection(): (direction: Direction, chunk: Buffer) => void;
}

/** Starts a trace in `dir` (which must exist): `wire.log`, `mosquitto.log`. */
export function startTrace(dir: string): SoakTrace {
  const file = join(dir, 'wire.log');
  const write = (line: string) => appendFileSync(file, `${new Date().toISOString()} ${line}\n`);
  let connections = 0;
  return {
    brokerConfig: [
      `log_dest file ${join(dir, 'mosquitto.log')}`,
      'log_type all',
      'log_timestamp true',
      'log_timestamp_format %H:%M:%S',
    ].join('\n'),
    note: (line) => write(`# ${line}`),
    connection() {
      const n = connections++;
      let who = '?';
      const parsers = { '>': mqtt.parser({ protocolVersion: 4 }), '<': mqtt.parser({ protocolVersion: 4 }) };
      for (const direction of ['>', '<'] as const) {
        const parser = parsers[direction];
        parser.on('packet', (packet: mqtt.Packet) => {
          if (packet.cmd === 'connect') who = packet.clientId;
          write(`c${n} ${who} ${direction} ${describe(packet)}`);
        });
        parser.on('error', (error: Error) => write(`c${n} ${who} ${direction} PARSE ERROR ${error.message}`));
      }
      return (direction, chunk) => {
        parsers[direction].parse(chunk);
      };
    },
  };
}

function describe(packet: mqtt.Packet): string {
  switch (packet.cmd) {
    case 'publish': {
      const payload = Buffer.from(packet.payload as Uint8Array).toString('utf8');
      return `publish id=${packet.messageId ?? '-'} q${packet.qos} dup=${packet.dup ? 1 : 0} ${packet.topic} ${payload}`;
    }
    case 'connect':
      return `connect clean=${packet.clean ? 1 : 0}`;
    case 'connack':
      return `connack rc=${packet.returnCode} sp=${packet.sessionPresent ? 1 : 0}`;
    case 'subscribe':
      return `subscribe id=${packet.messageId} ${packet.subscriptions.map((s) => `${s.topic}:${s.qos}`).join(',')}`;
    case 'unsubscribe':
      return `unsubscribe id=${packet.messageId} ${packet.unsubscriptions.join(',')}`;
    case 'pingreq':
    case 'pingresp':
    case 'disconnect':
      return packet.cmd;
    default:
      return `${packet.cmd} id=${'messageId' in packet ? packet.messageId : '-'}`;
  }
}
