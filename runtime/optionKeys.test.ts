/**
 * Unknown, misplaced and MQTT 5-only options are typed errors at construction (spec R338-R342),
 * on every construction path: the Node and browser clients, `LifecycleClient`, `configure()`,
 * the embedded client's input, the Mongoose facade and the CLI.
 */

import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { clientOptions } from '../adapters/cli/connection.js';
import { MongooseMqtt } from '../adapters/mongoose/index.js';
import { MqttClient as BrowserClient } from '../browser.js';
import { LifecycleClient, MqttClient, mqttClientLogic, scramSha256 } from '../index.js';
import { configError } from '../test/support/configError.js';
import { CLIENT_OPTION_KEYS } from './client.js';
import { ACTOR_INPUT_KEYS } from './embedded.js';
import { LIFECYCLE_CONFIG_KEYS } from './lifecycleClient.js';
import { checkKeys, SERVER_KEYS, SESSION_KEYS } from './optionKeys.js';
import { LIFECYCLE_OPTION_KEYS } from './options.js';

const servers = [{ host: '127.0.0.1', port: 1 }];
const loose = (options: object) => options as ConstructorParameters<typeof MqttClient>[0];

describe('unknown options (R338, R339)', () => {
  it.each([
    [{ servers, keepalive: 30 }, 'keepalive', 'did you mean `keepAliveSec`?'],
    [{ servers, conectTimeoutMs: 5 }, 'conectTimeoutMs', 'did you mean `connectTimeoutMs`?'],
    [{ servers, reconnectPeriod: 1000 }, 'reconnectPeriod', 'use servers[i].minDelayMs and maxDelayMs'],
    [{ servers, session: { maxInflght: 5 } }, 'session.maxInflght', 'did you mean `maxInflight`?'],
    [{ servers: [{ url: 'mqtt://h', usrname: 'u' }] }, 'servers[0].usrname', 'did you mean `username`?'],
    [{ servers: [servers[0], { host: 'h', Port: 1 }] }, 'servers[1].Port', 'did you mean `port`?'],
    [{ servers, frobnicate: true }, 'frobnicate', 'unknown option'],
  ])('R338, R339: %j is a ConfigError naming the key path and the close key', (options, key, hint) => {
    const error = configError(() => new MqttClient(loose(options)));
    expect(error.key).toBe(key);
    expect(error.code).toBe('INVALID_CONFIG');
    expect(error.message).toBe(`${key}: unknown option${hint === 'unknown option' ? '' : `: ${hint}`}`);
  });

  it.each([
    [{ servers, username: 'u' }, 'username', 'is an option of each server (`servers[i]`)'],
    [{ servers, maxInflight: 5 }, 'maxInflight', 'is an option of `session`'],
    [{ servers, maxInflght: 5 }, 'maxInflght', 'did you mean `maxInflight` (an option of `session`)?'],
    [{ servers: [{ host: 'h', jitter: 0.2 }] }, 'servers[0].jitter', 'is an option of the client'],
    [{ servers, session: { keepAliveSec: 5 } }, 'session.keepAliveSec', 'is an option of the client'],
  ])('R339: a misplaced key (%j) says where it belongs', (options, key, hint) => {
    const error = configError(() => new MqttClient(loose(options)));
    expect(error.key).toBe(key);
    expect(error.message).toContain(hint);
  });

  it.each([
    [{ will: { topic: 't', payload: 'p', qso: 1 } }, 'servers[0].will.qso', '`qos`'],
    [{ url: 'mqtts://h', tls: { caFle: 'ca.pem' } }, 'servers[0].tls.caFle', '`caFile`'],
    [
      { url: 'mqtts://h', tls: { psk: { identity: 'i', key: 'ab', idenity: 'x' } } },
      'servers[0].tls.psk.idenity',
      '`identity`',
    ],
    [
      {
        host: 'h',
        protocolVersion: 5,
        will: { topic: 't', payload: 'p', properties: { willDelay: 5 } },
      },
      'servers[0].will.properties.willDelay',
      'unknown option',
    ],
  ])('R338: nested option objects of a server are checked too (%#)', (server, key, hint) => {
    const error = configError(() => new MqttClient(loose({ servers: [server] })));
    expect(error.key).toBe(key);
    expect(error.message).toContain(hint);
  });

  it('R338: every known key passes, and symbol keys (internal ports) are not options', () => {
    const client = new MqttClient({
      servers: [{ url: 'mqtt://h', name: 'a', clientId: 'c', will: { topic: 't', payload: 'p' } }],
      keepAliveSec: 30,
      session: { maxInflight: 5, maxInflightQos2: 2, maxFiltersPerSubscribe: 8 },
      journal: true,
    });
    expect(client.lifecycle.servers[0]?.name).toBe('a');
    expect(() => checkKeys({ [Symbol('x')]: 1, a: 1 }, 'o', { a: true })).not.toThrow();
    expect(() => checkKeys(Object.create({ inherited: 1 }), 'o', { a: true })).not.toThrow();
  });
});

describe('every construction path checks the keys its own type takes (R341)', () => {
  it('R341: the browser client checks them as the Node client does', () => {
    const error = configError(() => new BrowserClient(loose({ servers: [{ url: 'ws://h' }], keepalive: 1 })));
    expect(error.key).toBe('keepalive');
  });

  it('R341: LifecycleClient takes no session options: `session` is an MqttClient option', () => {
    const error = configError(() => new LifecycleClient(loose({ servers, session: {} })));
    expect(error.key).toBe('session');
    expect(error.message).toContain('session options are for MqttClient, not LifecycleClient');
    expect(() => new LifecycleClient({ servers, journal: true, closeGraceMs: 5 })).not.toThrow();
  });

  it('R341: configure() checks its keys and those of its servers, and changes nothing on a bad one', () => {
    const client = new MqttClient({ servers });
    expect(configError(() => client.configure(loose({ jiter: 0.2 }))).key).toBe('jiter');
    expect(configError(() => client.configure(loose({ session: {} }))).key).toBe('session');
    expect(configError(() => client.configure({ servers: [loose({ host: 'h', prot: 1 })] })).key).toBe(
      'servers[0].prot',
    );
    expect(client.lifecycle.servers[0]?.host).toBe('127.0.0.1');
  });

  it('R341: the embedded client takes `connect` and `keepQueue` in its input, and nothing unknown', () => {
    const ok = createActor(mqttClientLogic, { input: { servers, connect: false, keepQueue: true } });
    expect(ok.getSnapshot().status).toBe('active');
    const bad = createActor(mqttClientLogic, { input: loose({ servers, connect: false, conect: true }) });
    expect(bad.getSnapshot().status).toBe('error');
    expect(bad.getSnapshot().error).toMatchObject({
      key: 'conect',
      message: expect.stringContaining('`connect`'),
    });
  });

  it("R341: the Mongoose facade's client options are checked; its mapped options pass", () => {
    const config = { mqtt: { enable: true, server: 'h:1883' } };
    expect(MongooseMqtt.fromDocument(config).client?.lifecycle.servers[0]?.host).toBe('h');
    const error = configError(() =>
      MongooseMqtt.fromDocument(config, { clientOptions: loose({ keepalive: 5 }) }),
    );
    expect(error.key).toBe('keepalive');
  });

  it('R341: the options the CLI builds are all known keys', () => {
    const options = clientOptions(
      {
        url: 'mqtts://u:p@h',
        server: ['mqtt://b'],
        id: 'c',
        'min-delay': '5',
        cafile: 'ca.pem',
        keepalive: '5',
        journal: 'j.jsonl',
        debug: true,
      },
      {},
      () => {},
    );
    expect(() => new MqttClient(options)).not.toThrow();
    for (const server of options.servers)
      for (const key of Object.keys(server)) expect(SERVER_KEYS).toHaveProperty(key);
  });
});

describe('MQTT 5 options where MQTT 3.1.1 is spoken (R340)', () => {
  it('R340: sessionExpirySec on a 3.1.1 server is a ConfigError; on an MQTT 5 server it is taken', () => {
    const error = configError(() => new MqttClient({ servers: [{ host: 'h', sessionExpirySec: 60 }] }));
    expect(error.key).toBe('servers[0].sessionExpirySec');
    expect(error.message).toMatch(/MQTT 5 only: it needs protocolVersion 5, and this server speaks 3\.1\.1/);
    expect(
      () => new MqttClient({ servers: [{ host: 'h', sessionExpirySec: 60 }], protocolVersion: 5 }),
    ).not.toThrow();
    expect(
      () => new MqttClient({ servers: [{ url: 'mqtt://h?protocolVersion=5', sessionExpirySec: 60 }] }),
    ).not.toThrow();
  });

  it('R340: will properties on a 3.1.1 server are a ConfigError at construction', () => {
    const will = { topic: 't', payload: 'p', properties: { willDelayInterval: 5 } };
    const error = configError(() => new MqttClient({ servers: [{ host: 'h', will }] }));
    expect(error.key).toBe('servers[0].will.properties');
  });

  it('R340: auth needs at least one MQTT 5 server; a mixed ring takes it', () => {
    const auth = scramSha256({ username: 'u', password: 'p' });
    const error = configError(() => new MqttClient({ servers, auth }));
    expect(error.key).toBe('auth');
    expect(error.message).toContain('every server speaks 3.1.1');
    expect(
      () => new MqttClient({ servers: [{ host: 'a' }, { host: 'b', protocolVersion: 5 }], auth }),
    ).not.toThrow();
  });
});

describe('the key tables (R342)', () => {
  it('R342: each table extends the one it builds on, and only by its own keys', () => {
    const keys = (table: object) => Object.keys(table).sort();
    const without = (table: object, base: object) => keys(table).filter((k) => !(k in base));
    expect(without(LIFECYCLE_CONFIG_KEYS, LIFECYCLE_OPTION_KEYS)).toEqual([
      'closeGraceMs',
      'inspect',
      'inspection',
      'journal',
    ]);
    expect(without(CLIENT_OPTION_KEYS, LIFECYCLE_CONFIG_KEYS)).toEqual(['session', 'storeRecovery']);
    expect(without(ACTOR_INPUT_KEYS, CLIENT_OPTION_KEYS)).toEqual(['connect', 'keepQueue']);
    // The tables are checked against the interfaces by the compiler (`satisfies KeyTable<T>`);
    // these pin a few keys of recent merges.
    expect(keys(LIFECYCLE_OPTION_KEYS)).toEqual(expect.arrayContaining(['auth', 'mqtt5', 'protocolVersion']));
    expect(keys(SERVER_KEYS)).toEqual(expect.arrayContaining(['sessionExpirySec', 'will', 'tls']));
    expect(keys(SESSION_KEYS)).toEqual(expect.arrayContaining(['maxInflightQos2', 'maxFiltersPerSubscribe']));
  });
});
