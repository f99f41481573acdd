/**
 * The MQTT 5 reason codes as data, one place (spec R141): each code's name, the packets that may
 * carry it and who may send it. The decoder, the encoders and the error messages all read this
 * table; nothing else lists reason codes. Source: OASIS MQTT 5.0, table 2-6 and the per-packet
 * tables of sections 3.2.2.2, 3.4.2.1 ... 3.15.2.1.
 */

/** The packets that carry a reason code. */
export type ReasonPacket =
  | 'CONNACK'
  | 'PUBACK'
  | 'PUBREC'
  | 'PUBREL'
  | 'PUBCOMP'
  | 'SUBACK'
  | 'UNSUBACK'
  | 'DISCONNECT'
  | 'AUTH';

/** Who may send a code in a packet both sides send (DISCONNECT, PUBREL/PUBCOMP, AUTH ...). */
export type ReasonSender = 'client' | 'server' | 'both';

/** One reason code: its name and where it may appear. */
export interface ReasonCodeInfo {
  /** The code, 0x00-0xA2. */
  readonly code: number;
  /** The standard's name for it (for 0x00, the name depends on the packet: see {@link reasonName}). */
  readonly name: string;
  /** The packets that may carry it, with who may send it there. */
  readonly packets: Readonly<Partial<Record<ReasonPacket, ReasonSender>>>;
}

// Per-packet columns of table 2-6, written once so each row below stays one line.
const ACKS = { PUBACK: 'both', PUBREC: 'both' } as const;
const SUB = { SUBACK: 'server', UNSUBACK: 'server' } as const;

/** Every MQTT 5 reason code, in code order. */
export const REASON_CODES: readonly ReasonCodeInfo[] = [
  {
    code: 0x00,
    name: 'Success',
    packets: {
      CONNACK: 'server',
      ...ACKS,
      PUBREL: 'both',
      PUBCOMP: 'both',
      ...SUB,
      DISCONNECT: 'both',
      AUTH: 'both',
    },
  },
  { code: 0x01, name: 'Granted QoS 1', packets: { SUBACK: 'server' } },
  { code: 0x02, name: 'Granted QoS 2', packets: { SUBACK: 'server' } },
  { code: 0x04, name: 'Disconnect with Will Message', packets: { DISCONNECT: 'client' } },
  { code: 0x10, name: 'No matching subscribers', packets: ACKS },
  { code: 0x11, name: 'No subscription existed', packets: { UNSUBACK: 'server' } },
  { code: 0x18, name: 'Continue authentication', packets: { AUTH: 'both' } },
  { code: 0x19, name: 'Re-authenticate', packets: { AUTH: 'client' } },
  {
    code: 0x80,
    name: 'Unspecified error',
    packets: { CONNACK: 'server', ...ACKS, ...SUB, DISCONNECT: 'both' },
  },
  { code: 0x81, name: 'Malformed Packet', packets: { CONNACK: 'server', DISCONNECT: 'both' } },
  { code: 0x82, name: 'Protocol Error', packets: { CONNACK: 'server', DISCONNECT: 'both' } },
  {
    code: 0x83,
    name: 'Implementation specific error',
    packets: { CONNACK: 'server', ...ACKS, ...SUB, DISCONNECT: 'both' },
  },
  { code: 0x84, name: 'Unsupported Protocol Version', packets: { CONNACK: 'server' } },
  { code: 0x85, name: 'Client Identifier not valid', packets: { CONNACK: 'server' } },
  { code: 0x86, name: 'Bad User Name or Password', packets: { CONNACK: 'server' } },
  {
    code: 0x87,
    name: 'Not authorized',
    packets: { CONNACK: 'server', ...ACKS, ...SUB, DISCONNECT: 'server' },
  },
  { code: 0x88, name: 'Server unavailable', packets: { CONNACK: 'server' } },
  { code: 0x89, name: 'Server busy', packets: { CONNACK: 'server', DISCONNECT: 'server' } },
  { code: 0x8a, name: 'Banned', packets: { CONNACK: 'server' } },
  { code: 0x8b, name: 'Server shutting down', packets: { DISCONNECT: 'server' } },
  // Table 2-6 also names DISCONNECT for 0x8C; the DISCONNECT table of 3.14.2.1 does not list it.
  { code: 0x8c, name: 'Bad authentication method', packets: { CONNACK: 'server' } },
  { code: 0x8d, name: 'Keep Alive timeout', packets: { DISCONNECT: 'server' } },
  { code: 0x8e, name: 'Session taken over', packets: { DISCONNECT: 'server' } },
  { code: 0x8f, name: 'Topic Filter invalid', packets: { ...SUB, DISCONNECT: 'server' } },
  { code: 0x90, name: 'Topic Name invalid', packets: { CONNACK: 'server', ...ACKS, DISCONNECT: 'both' } },
  { code: 0x91, name: 'Packet Identifier in use', packets: { ...ACKS, ...SUB } },
  { code: 0x92, name: 'Packet Identifier not found', packets: { PUBREL: 'both', PUBCOMP: 'both' } },
  { code: 0x93, name: 'Receive Maximum exceeded', packets: { DISCONNECT: 'both' } },
  { code: 0x94, name: 'Topic Alias invalid', packets: { DISCONNECT: 'both' } },
  { code: 0x95, name: 'Packet too large', packets: { CONNACK: 'server', DISCONNECT: 'both' } },
  { code: 0x96, name: 'Message rate too high', packets: { DISCONNECT: 'both' } },
  {
    code: 0x97,
    name: 'Quota exceeded',
    packets: { CONNACK: 'server', ...ACKS, SUBACK: 'server', DISCONNECT: 'both' },
  },
  { code: 0x98, name: 'Administrative action', packets: { DISCONNECT: 'both' } },
  { code: 0x99, name: 'Payload format invalid', packets: { CONNACK: 'server', ...ACKS, DISCONNECT: 'both' } },
  { code: 0x9a, name: 'Retain not supported', packets: { CONNACK: 'server', DISCONNECT: 'server' } },
  { code: 0x9b, name: 'QoS not supported', packets: { CONNACK: 'server', DISCONNECT: 'server' } },
  { code: 0x9c, name: 'Use another server', packets: { CONNACK: 'server', DISCONNECT: 'server' } },
  { code: 0x9d, name: 'Server moved', packets: { CONNACK: 'server', DISCONNECT: 'server' } },
  {
    code: 0x9e,
    name: 'Shared Subscriptions not supported',
    packets: { SUBACK: 'server', DISCONNECT: 'server' },
  },
  { code: 0x9f, name: 'Connection rate exceeded', packets: { CONNACK: 'server', DISCONNECT: 'server' } },
  { code: 0xa0, name: 'Maximum connect time', packets: { DISCONNECT: 'server' } },
  {
    code: 0xa1,
    name: 'Subscription Identifiers not supported',
    packets: { SUBACK: 'server', DISCONNECT: 'server' },
  },
  {
    code: 0xa2,
    name: 'Wildcard Subscriptions not supported',
    packets: { SUBACK: 'server', DISCONNECT: 'server' },
  },
];

/** The reason codes the MQTT 5 decoder asks the client to send when the broker breaks a rule. */
export const MALFORMED_PACKET = 0x81;
/** See {@link MALFORMED_PACKET}. */
export const PROTOCOL_ERROR = 0x82;
/** See {@link MALFORMED_PACKET}. */
export const PACKET_TOO_LARGE = 0x95;

const BY_CODE = new Map(REASON_CODES.map((info) => [info.code, info]));

// For each packet, a 256-entry lookup of the codes a server may send in it: the decoder checks
// one array element per ack instead of walking the table.
const FROM_SERVER = new Map<ReasonPacket, Uint8Array>();
for (const info of REASON_CODES) {
  for (const [packet, sender] of Object.entries(info.packets) as [ReasonPacket, ReasonSender][]) {
    if (sender === 'client') continue;
    const allowed = FROM_SERVER.get(packet) ?? new Uint8Array(256);
    allowed[info.code] = 1;
    FROM_SERVER.set(packet, allowed);
  }
}

/**
 * Whether a server may send `code` in `packet` [MQTT-3.2.2-8, MQTT-3.4.2-1 ... MQTT-3.15.2-1].
 *
 * @param packet - The packet type.
 * @param code - The reason code read from it.
 * @returns `true` when the standard lists it for that packet with a server as sender.
 */
export function serverMaySend(packet: ReasonPacket, code: number): boolean {
  return FROM_SERVER.get(packet)?.[code] === 1;
}

/**
 * Whether the client may send `code` in `packet` (the encoders' callers check this).
 *
 * @param packet - The packet type.
 * @param code - The reason code.
 * @returns `true` when the standard lists it for that packet with the client as a sender.
 */
export function clientMaySend(packet: ReasonPacket, code: number): boolean {
  const sender = BY_CODE.get(code)?.packets[packet];
  return sender === 'client' || sender === 'both';
}

/**
 * Whether a code means success: below 0x80 [MQTT 5, 2.4].
 *
 * @param code - A reason code.
 * @returns `true` for 0x00-0x7F.
 */
export function isSuccess(code: number): boolean {
  return code < 0x80;
}

/**
 * The standard's name of a code in a packet: 0x00 is "Normal disconnection" in DISCONNECT and
 * "Granted QoS 0" in SUBACK, "Success" elsewhere.
 *
 * @param code - A reason code.
 * @param packet - The packet that carries it, for the names of 0x00.
 * @returns The name, or `unknown reason code 0xNN`.
 */
export function reasonName(code: number, packet?: ReasonPacket): string {
  if (code === 0 && packet === 'DISCONNECT') return 'Normal disconnection';
  if (code === 0 && packet === 'SUBACK') return 'Granted QoS 0';
  return BY_CODE.get(code)?.name ?? `unknown reason code ${hex(code)}`;
}

/**
 * A code as the standard writes it: `0x8E`.
 *
 * @param code - A byte.
 * @returns Two upper-case hex digits after `0x`.
 */
export function hex(code: number): string {
  return `0x${code.toString(16).toUpperCase().padStart(2, '0')}`;
}
