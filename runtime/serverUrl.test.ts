/** Connect by URL (spec R70-R71): schemes, default ports and paths, credentials, bad hosts. */
import { describe, expect, it } from 'vitest';
import { MqttClient } from '../adapters/node.js';
import { ConfigError } from '../errors.js';
import { normaliseOptions } from './options.js';
import type { TransportFactory } from './ports.js';
import { checkHost, parseServerUrl } from './serverUrl.js';

describe('a port given as a string (R70)', () => {
  it('names it as a string, so "got 1883" does not read as a valid number', () => {
    const options = { servers: [{ host: '127.0.0.1', port: '1883' as unknown as number }] };
    expect(() => normaliseOptions(options)).toThrow(
      'servers[0].port: must be an integer from 1 to 65535, got "1883"',
    );
  });
});

describe('options a plain JavaScript caller gets wrong (R70)', () => {
  const configErrorOf = (make: () => unknown): ConfigError => {
    try {
      make();
    } catch (error) {
      if (error instanceof ConfigError) return error;
      throw error;
    }
    throw new Error('no error');
  };

  it('no options at all is a ConfigError, not a TypeError', () => {
    const error = configErrorOf(() => new (MqttClient as unknown as new () => MqttClient)());
    expect(error.key).toBe('options');
  });

  it('servers that are not an array is a ConfigError naming servers', () => {
    const error = configErrorOf(() => new MqttClient({ servers: 'mqtt://x' as never }));
    expect(error.key).toBe('servers');
  });

  it('a server given as a URL string says what a server is', () => {
    const error = configErrorOf(() => new MqttClient({ servers: ['mqtt://localhost' as never] }));
    expect(error.key).toBe('servers[0]');
    expect(error.message).toMatch(/\{ url \} or \{ host, port \}.*"mqtt:\/\/localhost"/);
  });
});

describe('parseServerUrl (R70)', () => {
  it.each([
    ['mqtt://broker.example.com', { scheme: 'mqtt', host: 'broker.example.com', port: 1883 }],
    ['mqtts://broker.example.com', { scheme: 'mqtts', host: 'broker.example.com', port: 8883 }],
    ['ws://broker.example.com', { scheme: 'ws', host: 'broker.example.com', port: 80, path: '/mqtt' }],
    ['wss://broker.example.com', { scheme: 'wss', host: 'broker.example.com', port: 443, path: '/mqtt' }],
    ['wss://h:8884/ws?token=a%20b', { scheme: 'wss', host: 'h', port: 8884, path: '/ws?token=a%20b' }],
    ['ws://h/', { scheme: 'ws', host: 'h', port: 80, path: '/' }],
    ['ws://h?x=1', { scheme: 'ws', host: 'h', port: 80, path: '/mqtt?x=1' }],
    ['mqtt://127.0.0.1:1884/', { scheme: 'mqtt', host: '127.0.0.1', port: 1884 }],
    ['mqtt://[::1]:1884', { scheme: 'mqtt', host: '::1', port: 1884 }],
    ['MQTTS://[fe80::1%25eth0]', { scheme: 'mqtts', host: 'fe80::1%eth0', port: 8883 }],
    ['tcp://h', { scheme: 'mqtt', host: 'h', port: 1883 }],
    ['ssl://h', { scheme: 'mqtts', host: 'h', port: 8883 }],
    ['tls://h:1', { scheme: 'mqtts', host: 'h', port: 1 }],
  ])('%s', (url, expected) => {
    expect(parseServerUrl(url)).toEqual(expected);
  });

  it('takes percent-decoded credentials from the user info', () => {
    expect(parseServerUrl('mqtt://us%40er:p%3Ass@h')).toMatchObject({ username: 'us@er', password: 'p:ss' });
    expect(parseServerUrl('mqtt://user@h')).toEqual({
      scheme: 'mqtt',
      host: 'h',
      port: 1883,
      username: 'user',
    });
  });

  it.each([
    ['http://h', 'unknown scheme'],
    ['h:1883', 'must look like'],
    ['mqtt://', 'has no host'],
    ['mqtt://h:0', 'from 1 to 65535'],
    ['mqtt://h:99999', 'from 1 to 65535'],
    ['mqtt://h:abc', 'port must be'],
    ['mqtt://h/mqtt', 'takes no path'],
    ['mqtt://h#x', 'fragment'],
    ['mqtt://bad host', 'not a host name'],
    ['mqtt://300.1.2.3', 'not a host name'],
    ['mqtt://u:%zz@h', 'percent-encoding'],
  ])('refuses %s with a ConfigError', (url, text) => {
    expect(() => parseServerUrl(url, 'servers[0].url')).toThrow(ConfigError);
    expect(() => parseServerUrl(url, 'servers[0].url')).toThrow(text);
  });

  it('never repeats the password in an error', () => {
    expect(() => parseServerUrl('mqtt://user:s3cret@h:0')).toThrow(expect.not.stringContaining('s3cret'));
    try {
      parseServerUrl('mqtt://user:s3cret@h:0');
    } catch (error) {
      expect(String(error)).not.toContain('s3cret');
    }
  });
});

describe('checkHost (R71)', () => {
  it.each([
    'localhost',
    'broker.example.com',
    'broker.example.com.',
    'mqtt_1',
    '10.0.0.1',
    '::1',
    '[::1]',
    'bücher.de',
  ])('accepts %s', (host) => {
    expect(checkHost(host, 'host')).toBe(host.replace(/^\[|\]$/g, ''));
  });
  it.each(['mqtt://x', 'a b', '-a', 'a..b', 'h:1883', '1.2.3', '1:2:3', ''])('refuses %j', (host) => {
    expect(() => checkHost(host, 'servers[0].host')).toThrow(ConfigError);
  });
});

describe('servers by url (R70-R71)', () => {
  const transport: TransportFactory = () => {
    throw new Error('never opened');
  };
  it('resolves a url into host, port, protocol, path and credentials', () => {
    const { servers } = normaliseOptions({
      transport,
      servers: [{ url: 'wss://me:pw@broker:9001' }, { url: 'mqtts://backup' }, { host: 'plain' }],
    });
    expect(servers[0]).toMatchObject({
      protocol: 'wss',
      host: 'broker',
      port: 9001,
      path: '/mqtt',
      url: 'wss://broker:9001/mqtt',
      username: 'me',
      password: 'pw',
    });
    expect(servers[1]).toMatchObject({ protocol: 'mqtts', host: 'backup', port: 8883 });
    expect(servers[2]).toMatchObject({ protocol: 'mqtt', host: 'plain', port: 1883 });
  });

  it('lets explicit credentials win over the URL and accepts its own resolved servers back', () => {
    const { servers } = normaliseOptions({ transport, servers: [{ url: 'ws://u:p@h/x', username: 'v' }] });
    expect(servers[0]).toMatchObject({ username: 'v', password: 'p', path: '/x' });
    expect(normaliseOptions({ transport, servers }).servers).toEqual(servers);
  });

  it('defaults the port by protocol and switches to TLS when tls options are given', () => {
    const { servers } = normaliseOptions({
      transport,
      servers: [
        { host: 'a', protocol: 'ws' },
        { host: 'b', tls: { ca: 'PEM' } },
      ],
    });
    expect(servers[0]).toMatchObject({ port: 80, path: '/mqtt', url: 'ws://a:80/mqtt' });
    expect(servers[1]).toMatchObject({ protocol: 'mqtts', port: 8883 });
  });

  it.each([
    [{ host: 'mqtt://x' }, 'servers[0].host', 'pass it as servers[0].url'],
    [{ host: 'a b' }, 'servers[0].host', 'not a host name'],
    [{}, 'servers[0].host', 'non-empty'],
    [{ url: 'mqtt://h', port: 1 }, 'servers[0].port', 'disagrees'],
    [{ url: 'mqtt://h', host: 'other' }, 'servers[0].host', 'disagrees'],
    [{ url: 'mqtt://h', tls: { ca: 'x' } }, 'servers[0].tls', 'mqtts://'],
    [{ host: 'h', protocol: 'ws' as const, path: 'mqtt' }, 'servers[0].path', 'must start with /'],
    [{ url: 'gopher://h' }, 'servers[0].url', 'unknown scheme'],
  ])('refuses %j naming %s', (server, key, text) => {
    const make = () => new MqttClient({ servers: [server] });
    expect(make).toThrow(ConfigError);
    expect(make).toThrow(expect.objectContaining({ key }));
    expect(make).toThrow(text);
  });

  it('checks hosts on configure too, and keeps the old configuration when refused', () => {
    const client = new MqttClient({ servers: [{ url: 'mqtt://good.example' }] });
    expect(() => client.configure({ servers: [{ host: 'mqtt://x' }] })).toThrow(
      expect.objectContaining({ key: 'servers[0].host' }),
    );
    expect(client.lifecycle.servers[0]).toMatchObject({ host: 'good.example', port: 1883 });
  });
});
