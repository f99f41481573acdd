/** `watch` shows MQTT 5 reason codes and the redirect that follows (spec R303). */
import { describe, expect, it } from 'vitest';
import { eventFields } from './watchView.js';

describe('watch: MQTT 5 reason codes (R303)', () => {
  it('R303: a CONNACK refusal and a broker DISCONNECT show their reason code; the redirected attempt names the referenced server', () => {
    expect(
      eventFields({
        type: 'connect.error',
        server: 'mqtt',
        serverIndex: 0,
        error: {
          code: 'CONNACK_REFUSED',
          returnCode: 0x9c,
          message: 'connection refused: Use another server (reason code 0x9C)',
        },
      }),
    ).toBe(
      'server=mqtt code=CONNACK_REFUSED reasonCode=0x9C message="connection refused: Use another server (reason code 0x9C)"',
    );
    expect(
      eventFields({
        type: 'disconnected',
        server: 'mqtt',
        serverIndex: 0,
        error: {
          code: 'SERVER_DISCONNECT',
          reasonCode: 0x8b,
          message: 'the server sent DISCONNECT: Server shutting down (reason code 0x8B)',
        },
      }),
    ).toBe(
      'server=mqtt code=SERVER_DISCONNECT reasonCode=0x8B message="the server sent DISCONNECT: Server shutting down (reason code 0x8B)"',
    );
    expect(eventFields({ type: 'connecting', server: 'ref-1', serverIndex: 2, attempt: 1 })).toBe(
      'server=ref-1 attempt=1',
    );
    // MQTT 3.1.1 refusals (return codes below 0x80) and other errors show no reason code.
    expect(
      eventFields({
        type: 'connect.error',
        server: 'mqtt',
        serverIndex: 0,
        error: { code: 'CONNACK_REFUSED', returnCode: 5, message: 'connection refused: not authorized' },
      }),
    ).toBe('server=mqtt code=CONNACK_REFUSED message="connection refused: not authorized"');
    expect(
      eventFields({
        type: 'disconnected',
        server: 'mqtt',
        serverIndex: 0,
        error: { code: 'TRANSPORT_CLOSED', message: 'closed' },
      }),
    ).toBe('server=mqtt code=TRANSPORT_CLOSED');
  });
});
