/**
 * More of what the default browser client never runs, behind what configures it (spec R360-R362):
 * each piece works where it is configured (the MQTT 5 profile, Node's transports) and is absent
 * from the default browser client's bundle.
 */

import { describe, expect, it, vi } from 'vitest';
import { MqttClient } from '../../adapters/node.js';
import { SubscribeError, UnsubscribeError } from '../../errors.js';
import type { InboundPacket } from '../../protocol/decoder.js';
import { bundle } from '../../scripts/browser/bundle.js';
import { configError } from '../support/configError.js';
import { connectedHarness, createHarness } from '../support/sessionHarness.js';

/** The default client's and the MQTT 5 client's unminified bundles, built once. */
async function bundles(): Promise<{ client: string; withMqtt5: string }> {
  const build = (entry: string) => bundle({ entry, external: ['rxjs'], minify: false });
  const [client, withMqtt5] = await Promise.all([
    build('scripts/browser/defaultClient.ts'),
    build('scripts/browser/withMqtt5.ts'),
  ]);
  return { client: client.code, withMqtt5: withMqtt5.code };
}

const unsuback = (messageId: number, code: number): InboundPacket =>
  ({ cmd: 'unsuback', messageId, granted: [code] }) as InboundPacket;

describe('MQTT 5 SUBACK and UNSUBACK reason codes are the profile refusals (R360)', () => {
  it('R360: with the refusals an UNSUBACK 0x87 fails with an UnsubscribeError naming it, and 0x11 passes with its code in the event', () => {
    const h = connectedHarness();
    const refused = vi.fn();
    const passed = vi.fn();
    h.session.unsubscribe('a', refused);
    h.session.unsubscribe('b', passed);
    h.session.handle(unsuback(1, 0x87));
    h.session.handle(unsuback(2, 0x11));
    expect(refused.mock.calls[0]?.[0]).toBeInstanceOf(UnsubscribeError);
    expect(refused.mock.calls[0]?.[0]).toMatchObject({ filter: 'a', reasonCode: 0x87 });
    expect(passed).toHaveBeenCalledExactlyOnceWith(undefined);
    expect(h.takeEvents()).toEqual([
      { type: 'unsuback', packetId: 1, filter: 'a', reasonCode: 0x87 },
      { type: 'unsuback', packetId: 2, filter: 'b', reasonCode: 0x11 },
    ]);
  });

  it('R360: with the refusals a SUBACK 0x87 is a SubscribeError with its code; without them 0x80 is still refused', () => {
    const h = connectedHarness();
    const done = vi.fn();
    h.session.subscribe('s', 1, done);
    h.session.handle({ cmd: 'suback', messageId: 1, granted: [0x87] });
    expect(done.mock.calls[0]?.[0].error).toMatchObject({ filter: 's', reasonCode: 0x87 });
    expect(h.takeEvents()).toEqual([
      { type: 'suback', packetId: 1, filter: 's', granted: null, reasonCode: 0x87 },
    ]);

    const plain = createHarness(undefined, { refusals: undefined });
    plain.session.connected(false);
    plain.takeEvents();
    const refused = vi.fn();
    plain.session.subscribe('t', 1, refused);
    plain.session.handle({ cmd: 'suback', messageId: 1, granted: [0x80] });
    expect(refused.mock.calls[0]?.[0].error).toBeInstanceOf(SubscribeError);
    expect(refused.mock.calls[0]?.[0].error.reasonCode).toBe(0x80);
    expect(plain.takeEvents()).toEqual([{ type: 'suback', packetId: 1, filter: 't', granted: null }]);
  });

  it('R360, R361, R362: the default browser client carries none of the moved code; the MQTT 5 client does', async () => {
    const { client, withMqtt5 } = await bundles();
    const moved = [
      /\bname = "UnsubscribeError"/,
      /WILL_PROPERTY_KEYS = \{/,
      /must be an integer 0\.\.4294967295/,
      /TLS_KEYS = \{/,
      /PSK_KEYS = \{/,
    ];
    expect(moved.filter((pattern) => pattern.test(client)).map(String)).toEqual([]);
    expect(withMqtt5).toMatch(/\bname = "UnsubscribeError"/);
    expect(withMqtt5).toMatch(/WILL_PROPERTY_KEYS = \{/);
    expect(withMqtt5).toMatch(/must be an integer 0\.\.4294967295/);
    expect(client).toContain('runtime/client.ts');
  });
});

describe('tls keys are checked by the transport that takes tls (R361)', () => {
  it("R361: Node's transports still refuse an unknown tls or tls.psk key at construction, naming it", () => {
    const tls = configError(
      () => new MqttClient({ servers: [{ url: 'mqtts://h', tls: { caFle: 'ca.pem' } as object }] }),
    );
    expect(tls.key).toBe('servers[0].tls.caFle');
    expect(tls.message).toContain('did you mean `caFile`?');
    const psk = configError(
      () =>
        new MqttClient({
          servers: [{ url: 'mqtts://h', tls: { psk: { identity: 'i', key: 'ab', idenity: 'x' } as never } }],
        }),
    );
    expect(psk.key).toBe('servers[0].tls.psk.idenity');
  });
});

describe('what only an MQTT 5 server says is checked by the profile (R362)', () => {
  const will = { topic: 't', payload: 'p' };

  it('R362: an MQTT 5 server with a Session Expiry Interval out of range, or an unknown will property, is a ConfigError naming it', () => {
    const expiry = configError(
      () => new MqttClient({ servers: [{ url: 'mqtt://h', protocolVersion: 5, sessionExpirySec: -1 }] }),
    );
    expect(expiry.key).toBe('servers[0].sessionExpirySec');
    expect(expiry.message).toBe('servers[0].sessionExpirySec: must be an integer 0..4294967295, got -1');
    const property = configError(
      () =>
        new MqttClient({
          servers: [
            {
              url: 'mqtt://h',
              protocolVersion: 5,
              will: { ...will, properties: { willDelay: 5 } as object },
            },
          ],
        }),
    );
    expect(property.key).toBe('servers[0].will.properties.willDelay');
    expect(
      () =>
        new MqttClient({
          servers: [
            {
              url: 'mqtt://h',
              protocolVersion: 5,
              sessionExpirySec: 0xffff_ffff,
              will: { ...will, properties: { willDelayInterval: 5 } },
            },
          ],
        }),
    ).not.toThrow();
  });

  it('R362: on a 3.1.1 server either is MQTT 5 only (R340), whatever its value', () => {
    const expiry = configError(
      () => new MqttClient({ servers: [{ url: 'mqtt://h', sessionExpirySec: -1 }] }),
    );
    expect(expiry.key).toBe('servers[0].sessionExpirySec');
    expect(expiry.message).toContain('is MQTT 5 only');
    const property = configError(
      () =>
        new MqttClient({
          servers: [{ url: 'mqtt://h', will: { ...will, properties: { willDelay: 5 } as object } }],
        }),
    );
    expect(property.key).toBe('servers[0].will.properties');
    expect(property.message).toContain('is MQTT 5 only');
  });
});
