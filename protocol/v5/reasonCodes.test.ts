/** The reason-code table and its helpers (spec R141). */
import { describe, expect, it } from 'vitest';
import { clientMaySend, hex, isSuccess, REASON_CODES, reasonName, serverMaySend } from './reasonCodes.js';

describe('reason codes (R141)', () => {
  it('lists each code once, in order, each with a name and at least one packet', () => {
    const codes = REASON_CODES.map((r) => r.code);
    expect(codes).toEqual([...new Set(codes)].sort((a, b) => a - b));
    expect(REASON_CODES.every((r) => r.name !== '' && Object.keys(r.packets).length > 0)).toBe(true);
    expect(REASON_CODES).toHaveLength(43);
  });

  it('names 0x00 by its packet, and an unknown code as such', () => {
    expect(reasonName(0, 'DISCONNECT')).toBe('Normal disconnection');
    expect(reasonName(0, 'SUBACK')).toBe('Granted QoS 0');
    expect(reasonName(0, 'PUBACK')).toBe('Success');
    expect(reasonName(0x8e)).toBe('Session taken over');
    expect(reasonName(0x03)).toBe('unknown reason code 0x03');
    expect(hex(0x9c)).toBe('0x9C');
  });

  it('knows who may send what: 0x04 and 0x19 only from the client, 0x8B only from the server', () => {
    expect([clientMaySend('DISCONNECT', 0x04), serverMaySend('DISCONNECT', 0x04)]).toEqual([true, false]);
    expect([clientMaySend('AUTH', 0x19), serverMaySend('AUTH', 0x19)]).toEqual([true, false]);
    expect([clientMaySend('DISCONNECT', 0x8b), serverMaySend('DISCONNECT', 0x8b)]).toEqual([false, true]);
    expect([clientMaySend('PUBACK', 0x10), serverMaySend('PUBACK', 0x10)]).toEqual([true, true]);
    expect(serverMaySend('CONNACK', 0x8c)).toBe(true);
    // Table 2-6 lists 0x8C for DISCONNECT too; the DISCONNECT table of 3.14.2.1 does not.
    expect(serverMaySend('DISCONNECT', 0x8c)).toBe(false);
  });

  it('calls every code below 0x80 a success and every code from 0x80 a failure [2.4]', () => {
    for (const { code } of REASON_CODES) expect(isSuccess(code)).toBe(code < 0x80);
  });
});
