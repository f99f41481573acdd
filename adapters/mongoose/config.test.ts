import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../errors.js';
import {
  loadMongooseConfig,
  MONGOOSE_MQTT_DEFAULTS,
  MONGOOSE_MQTT1_DEFAULTS,
  type MongooseServerConfig,
  resolveServerAddress,
} from './config.js';

/** Loads `doc` expecting a ConfigError; returns it so the key and message can be checked. */
function configError(doc: unknown): ConfigError {
  try {
    loadMongooseConfig(doc);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  return expect.fail(`accepted ${JSON.stringify(doc)}`);
}

function section(overrides: Partial<MongooseServerConfig>): MongooseServerConfig {
  return { ...MONGOOSE_MQTT_DEFAULTS, ...overrides };
}

describe('loadMongooseConfig defaults', () => {
  it('fills every key with the Mongoose schema default', () => {
    const { mqtt, mqtt1 } = loadMongooseConfig({});
    expect(mqtt).toEqual(MONGOOSE_MQTT_DEFAULTS);
    expect(mqtt).toMatchObject({
      enable: false,
      server: 'iot.eclipse.org:1883',
      reconnect_timeout_min: 2,
      reconnect_timeout_max: 60,
      keep_alive: 60,
      clean_session: true,
      max_qos: 2,
      recv_mbuf_limit: 3072,
      max_queue_length: 5,
      cloud_events: true,
      ws_path: '/mqtt',
    });
    expect(Object.keys(mqtt)).toHaveLength(27);
    expect(mqtt1).toEqual({ ...MONGOOSE_MQTT_DEFAULTS, server: '' });
  });

  it('does not let mqtt1 inherit values set under mqtt', () => {
    const { mqtt, mqtt1 } = loadMongooseConfig({
      mqtt: {
        enable: true,
        server: 'a.example:1884',
        user: 'u',
        pass: 'p',
        ssl_ca_cert: 'ca.pem',
        keep_alive: 5,
      },
      mqtt1: { enable: true, server: 'b.example' },
    });
    expect(mqtt).toMatchObject({ server: 'a.example:1884', user: 'u', ssl_ca_cert: 'ca.pem', keep_alive: 5 });
    expect(mqtt1).toEqual({ ...MONGOOSE_MQTT1_DEFAULTS, enable: true, server: 'b.example' });
  });

  it('returns fresh objects, ignores other top-level sections, and accepts a JSON string', () => {
    const doc = {
      wifi: { ap: { enable: false } },
      mqtt: { reconnect_timeout_min: 0.5, reconnect_timeout_max: 1.5 },
    };
    const fromString = loadMongooseConfig(JSON.stringify(doc));
    expect(fromString).toEqual(loadMongooseConfig(doc));
    expect(fromString.mqtt.reconnect_timeout_min).toBe(0.5);
    expect(fromString.mqtt.reconnect_timeout_max).toBe(1.5);
    expect(fromString.mqtt1).not.toBe(MONGOOSE_MQTT1_DEFAULTS);
  });

  it('loads a negative max_qos as no limit (2)', () => {
    expect(loadMongooseConfig({ mqtt: { max_qos: -1 } }).mqtt.max_qos).toBe(2);
    expect(loadMongooseConfig({ mqtt: { max_qos: 0 } }).mqtt.max_qos).toBe(0);
  });

  it('allows a will topic without a message (the will is then not sent)', () => {
    expect(loadMongooseConfig({ mqtt: { will_topic: 'dev/gone' } }).mqtt.will_topic).toBe('dev/gone');
    expect(loadMongooseConfig({ mqtt: { will_message: 'bye' } }).mqtt.will_message).toBe('bye');
  });
});

describe('loadMongooseConfig errors', () => {
  it('suggests the nearest key for a typo', () => {
    const error = configError({ mqtt: { reconect_timeout_min: 3 } });
    expect(error.key).toBe('mqtt.reconect_timeout_min');
    expect(error.message).toBe(
      'mqtt.reconect_timeout_min: unknown key (did you mean reconnect_timeout_min?)',
    );
    expect(configError({ mqtt1: { keepalive: 3 } }).message).toContain('did you mean keep_alive?');
  });

  it('lists the known keys when nothing is close, and does not treat prototype names as keys', () => {
    const error = configError({ mqtt: { something_else_entirely: 1 } });
    expect(error.message).toMatch(/unknown key \(known keys: enable, server, .*debug_use_log_level\)/);
    expect(configError(JSON.parse('{"mqtt":{"__proto__":1}}')).key).toBe('mqtt.__proto__');
    expect(configError({ mqtt: { toString: 'x' } }).key).toBe('mqtt.toString');
  });

  it.each<[unknown, string, RegExp]>([
    [{ mqtt: { keep_alive: 'x' } }, 'mqtt.keep_alive', /must be an integer from 0 to 65535 seconds, got "x"/],
    [{ mqtt: { keep_alive: 65536 } }, 'mqtt.keep_alive', /from 0 to 65535/],
    [{ mqtt1: { keep_alive: 1.5 } }, 'mqtt1.keep_alive', /integer/],
    [{ mqtt: { enable: 'true' } }, 'mqtt.enable', /must be true or false, got "true"/],
    [{ mqtt: { user: 7 } }, 'mqtt.user', /must be a string, got 7/],
    [{ mqtt: { server: null } }, 'mqtt.server', /must be a string, got null/],
    [{ mqtt: { reconnect_timeout_min: 0 } }, 'mqtt.reconnect_timeout_min', /greater than 0/],
    [
      { mqtt: { reconnect_timeout_min: 5, reconnect_timeout_max: 4 } },
      'mqtt.reconnect_timeout_max',
      /at least/,
    ],
    [{ mqtt: { reconnect_timeout_max: 3_000_000 } }, 'mqtt.reconnect_timeout_max', /at most 2147483/],
    [{ mqtt: { max_qos: 3 } }, 'mqtt.max_qos', /0, 1 or 2/],
    [{ mqtt: { max_queue_length: -1 } }, 'mqtt.max_queue_length', /from 0 \(no queue\)/],
    [{ mqtt: { recv_mbuf_limit: 1.5 } }, 'mqtt.recv_mbuf_limit', /from 0 \(no limit\)/],
    [{ mqtt: { will_topic: 'a/+' } }, 'mqtt.will_topic', /wildcards/],
    [{ mqtt: { ws_path: 'mqtt' } }, 'mqtt.ws_path', /must start with \//],
    [{ mqtt: 'on' }, 'mqtt', /must be an object, got "on"/],
    [{ mqtt: { enable: true, server: '' } }, 'mqtt.server', /must not be empty/],
    [{ mqtt1: { enable: true } }, 'mqtt1.server', /must not be empty/],
    [{ mqtt: { server: 'mqtt://broker:1883' } }, 'mqtt.server', /without a scheme/],
    [{ mqtt: { server: '::1' } }, 'mqtt.server', /IPv6 address needs brackets/],
    [{ mqtt: { server: 'broker:0' } }, 'mqtt.server', /from 1 to 65535/],
    [{ mqtt: { server: 'broker:65536' } }, 'mqtt.server', /from 1 to 65535/],
    [{ mqtt: { server: 'broker:' } }, 'mqtt.server', /from 1 to 65535/],
    [{ mqtt: { server: '[::1' } }, 'mqtt.server', /missing \]/],
    [{ mqtt: { enable: true, pass: 'secret' } }, 'mqtt.pass', /needs a user/],
    [{ mqtt: { enable: true, ws_enable: true, ws_path: '' } }, 'mqtt.ws_path', /must not be empty/],
    ['{"mqtt": {', '(document)', /is not valid JSON/],
    [[], '(document)', /must be an object/],
    [null, '(document)', /must be an object/],
  ])('%j fails on %s', (doc, key, message) => {
    const error = configError(doc);
    expect(error.key).toBe(key);
    expect(error.message.startsWith(`${key}: `)).toBe(true);
    expect(error.message).toMatch(message);
  });

  it('applies connect-only rules to enabled sections only', () => {
    expect(() => loadMongooseConfig({ mqtt1: { pass: 'secret' } })).not.toThrow();
    expect(() => loadMongooseConfig({ mqtt: { server: '' } })).not.toThrow();
  });

  it('names the key of every wrongly typed value', () => {
    const keys = Object.keys(MONGOOSE_MQTT_DEFAULTS) as (keyof MongooseServerConfig)[];
    const wrong = fc.constantFrom<unknown>(null, [], {}, 'text', Number.NaN, -0.5, true);
    fc.assert(
      fc.property(fc.constantFrom(...keys), fc.constantFrom('mqtt', 'mqtt1'), wrong, (key, name, value) => {
        const defaultValue = MONGOOSE_MQTT_DEFAULTS[key];
        // Skip values of the right type that the key accepts.
        fc.pre(typeof value !== typeof defaultValue || (key === 'max_qos' && value === -0.5));
        fc.pre(!(typeof value === 'number' && key.startsWith('reconnect') && value > 0));
        const error = configError({ [name]: { [key]: value } });
        expect(error.key).toBe(`${name}.${key}`);
      }),
    );
  });
});

describe('resolveServerAddress', () => {
  it.each<[Partial<MongooseServerConfig>, { host: string; port: number; tls: boolean }]>([
    [{ server: 'broker' }, { host: 'broker', port: 1883, tls: false }],
    [
      { server: 'broker', ssl_ca_cert: 'ca.pem' },
      { host: 'broker', port: 8883, tls: true },
    ],
    [
      { server: 'broker', ssl_cert: 'c.pem', ssl_key: 'k.pem' },
      { host: 'broker', port: 1883, tls: true },
    ],
    [
      { server: 'broker', ssl_psk_identity: 'id' },
      { host: 'broker', port: 1883, tls: true },
    ],
    [
      { server: 'broker:1999', ssl_ca_cert: 'ca.pem' },
      { host: 'broker', port: 1999, tls: true },
    ],
    [{ server: '10.0.0.1:1' }, { host: '10.0.0.1', port: 1, tls: false }],
    [{ server: '[::1]:1884' }, { host: '::1', port: 1884, tls: false }],
    [
      { server: '[fe80::1]', ssl_ca_cert: 'ca.pem' },
      { host: 'fe80::1', port: 8883, tls: true },
    ],
  ])('%j resolves to %j', (overrides, expected) => {
    expect(resolveServerAddress(section(overrides))).toMatchObject(expected);
  });

  it('defaults WebSocket ports by the same rule, and passes the path through', () => {
    expect(resolveServerAddress(section({ server: 'broker', ws_enable: true }))).toEqual({
      host: 'broker',
      port: 1883,
      tls: false,
      ws: true,
      path: '/mqtt',
    });
    const wss = resolveServerAddress(
      section({ server: 'b', ws_enable: true, ws_path: '/ws', ssl_ca_cert: 'ca' }),
    );
    expect(wss).toEqual({ host: 'b', port: 8883, tls: true, ws: true, path: '/ws' });
  });

  it('resolves the defaults of mqtt, and throws ConfigError for the empty mqtt1 server', () => {
    expect(resolveServerAddress(MONGOOSE_MQTT_DEFAULTS)).toMatchObject({
      host: 'iot.eclipse.org',
      port: 1883,
    });
    expect(() => resolveServerAddress(MONGOOSE_MQTT1_DEFAULTS)).toThrow(ConfigError);
  });

  it('round-trips any host and port', () => {
    const host = fc.stringMatching(/^[a-z0-9][a-z0-9.-]{0,20}$/);
    fc.assert(
      fc.property(host, fc.integer({ min: 1, max: 65535 }), fc.boolean(), (h, port, v6) => {
        const server = v6 ? `[${h}::1]:${port}` : `${h}:${port}`;
        const resolved = resolveServerAddress(section({ server }));
        expect(resolved.host).toBe(v6 ? `${h}::1` : h);
        expect(resolved.port).toBe(port);
      }),
    );
  });
});
