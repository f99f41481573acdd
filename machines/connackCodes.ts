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

/**
 * The MQTT 5 refusals that are retried (section 3.2.2.2): the server's state ("later", busy, over
 * quota, rate), or a redirect, which this client follows by failing over on the schedule (0x9C,
 * 0x9D). Every other refusal is final: the same CONNECT will be refused again (credentials,
 * authorisation, a ban, a CONNECT the server cannot take). Names live with the codec, which the
 * runtime's MQTT 5 profile puts in the event (`reason`), so the machine entry carries none.
 */
const V5_RETRIED: ReadonlySet<number> = new Set([0x80, 0x83, 0x88, 0x89, 0x97, 0x9c, 0x9d, 0x9f]);

/**
 * What a refused CONNACK does (spec R81, R242): 3.1.1 return code 3 (server unavailable) and the
 * MQTT 5 codes of the table marked retry are retried; every other refusal is final.
 *
 * @param code - A CONNACK return code (1-5) or MQTT 5 reason code (0x80 and above).
 * @returns The verdict.
 */
export function connackVerdict(code: number): ConnackVerdict {
  if (code < 0x80) return code === 3 ? 'retry' : 'final';
  return V5_RETRIED.has(code) ? 'retry' : 'final';
}

/**
 * The message of the `ConnackError` for an MQTT 5 refusal, naming the reason code; `undefined`
 * for a 3.1.1 return code (the error names those itself).
 *
 * @param code - The CONNACK's code.
 * @param reason - The code's name in the standard, when the event carries it.
 * @returns The message, or `undefined`.
 */
export function connackMessage(code: number, reason: string | undefined): string | undefined {
  if (code < 0x80) return undefined;
  const hex = `0x${code.toString(16).toUpperCase().padStart(2, '0')}`;
  return `connection refused: ${reason ?? 'refused'} (reason code ${hex})`;
}
