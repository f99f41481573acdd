/**
 * What each CONNACK refusal means for the statechart (spec R81 for MQTT 3.1.1, R242 for MQTT 5):
 * retried on the schedule like any failure, or final (the client stops under `onRefused: 'stop'`).
 * One table for both versions: 3.1.1 return codes are 1-5, MQTT 5 reason codes 0x80 and above,
 * so the `returnCode` of an `mqtt.connack` event says which version it came from. Pure data: the
 * machine entry carries no protocol module.
 *
 * @module
 */

/** What a refused CONNACK makes the client do. */
export type ConnackVerdict = 'retry' | 'final';

/** One MQTT 5 CONNACK reason code of refusal: its name in the standard and its verdict. */
interface ConnackRefusal {
  readonly name: string;
  readonly verdict: ConnackVerdict;
}

/**
 * MQTT 5 refusals (section 3.2.2.2). Final: the same CONNECT will be refused again (credentials,
 * authorisation, a ban, a CONNECT the server cannot take: only a change on one side heals it).
 * Retry: the server's state ("later", busy, over quota, rate), or a redirect, which this client
 * follows by failing over on the schedule (0x9C, 0x9D).
 */
const V5_REFUSALS: Readonly<Record<number, ConnackRefusal>> = {
  128: { name: 'Unspecified error', verdict: 'retry' },
  129: { name: 'Malformed Packet', verdict: 'final' },
  130: { name: 'Protocol Error', verdict: 'final' },
  131: { name: 'Implementation specific error', verdict: 'retry' },
  132: { name: 'Unsupported Protocol Version', verdict: 'final' },
  133: { name: 'Client Identifier not valid', verdict: 'final' },
  134: { name: 'Bad User Name or Password', verdict: 'final' },
  135: { name: 'Not authorized', verdict: 'final' },
  136: { name: 'Server unavailable', verdict: 'retry' },
  137: { name: 'Server busy', verdict: 'retry' },
  138: { name: 'Banned', verdict: 'final' },
  140: { name: 'Bad authentication method', verdict: 'final' },
  144: { name: 'Topic Name invalid', verdict: 'final' },
  149: { name: 'Packet too large', verdict: 'final' },
  151: { name: 'Quota exceeded', verdict: 'retry' },
  153: { name: 'Payload format invalid', verdict: 'final' },
  154: { name: 'Retain not supported', verdict: 'final' },
  155: { name: 'QoS not supported', verdict: 'final' },
  156: { name: 'Use another server', verdict: 'retry' },
  157: { name: 'Server moved', verdict: 'retry' },
  159: { name: 'Connection rate exceeded', verdict: 'retry' },
};

/**
 * What a refused CONNACK does (spec R81, R242): 3.1.1 return code 3 (server unavailable) and the
 * MQTT 5 codes of the table marked retry are retried; every other refusal is final.
 *
 * @param code - A CONNACK return code (1-5) or MQTT 5 reason code (0x80 and above).
 * @returns The verdict.
 */
export function connackVerdict(code: number): ConnackVerdict {
  if (code < 0x80) return code === 3 ? 'retry' : 'final';
  return V5_REFUSALS[code]?.verdict ?? 'final';
}

/**
 * The message of the `ConnackError` for an MQTT 5 refusal, naming the reason code; `undefined`
 * for a 3.1.1 return code (the error names those itself).
 *
 * @param code - The CONNACK's code.
 * @returns The message, or `undefined`.
 */
export function connackMessage(code: number): string | undefined {
  if (code < 0x80) return undefined;
  const hex = `0x${code.toString(16).toUpperCase().padStart(2, '0')}`;
  return `connection refused: ${V5_REFUSALS[code]?.name ?? 'unknown reason'} (reason code ${hex})`;
}
