/**
 * The command-line tool as a user runs it: the real entry point in a child process against
 * embedded aedes brokers (spec R90-R96). Synchronisation is on output lines, broker events and
 * exit codes, never on time.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type AedesHandle, freePort, startAedes } from '../support/brokers.js';
import { useCleanups } from '../support/cleanups.js';
import { runCli, startCli } from '../support/cli.js';
import { generateCerts } from '../support/tlsFixtures.js';
import { startWireTap } from '../support/wireTap.js';
import { startAedesWs } from '../support/wsBrokers.js';

const defer = useCleanups();

/**
 * An aedes, and the URL of a wire tap in front of it that checks every CLI client connecting
 * through it (spec R225); the check fails the test at teardown.
 */
async function broker(
  options: Parameters<typeof startAedes>[0] = {},
): Promise<AedesHandle & { url: string }> {
  const handle = await startAedes(options);
  defer(() => handle.close());
  const tap = await startWireTap(handle.port);
  defer(async () => {
    await tap.close();
    tap.assertValid();
  });
  return Object.assign(handle, { url: `mqtt://127.0.0.1:${tap.port}` });
}

/** Resolves once the broker has seen a SUBSCRIBE to `filter`. */
function subscribed(handle: AedesHandle, filter: string): Promise<void> {
  return new Promise((resolve) => {
    handle.broker.on('subscribe', (subscriptions) => {
      if (subscriptions.some((s) => s.topic === filter)) resolve();
    });
  });
}

const url = (port: number) => `mqtt://127.0.0.1:${port}`;
const tempDir = () => mkdtempSync(join(tmpdir(), 'mqtt-lifeline-cli-'));

describe('mqtt-lifeline (the command-line tool)', () => {
  it('R94: the binary prints --help with exit 0, and an unknown command as one stderr line with exit 2', async () => {
    const [help, unknown] = await Promise.all([runCli(['pub', '--help']), runCli(['frobnicate'])]);
    expect(help).toMatchObject({ code: 0, stderr: '' });
    expect(help.stdout).toMatch(/^Usage: mqtt-lifeline pub /);
    expect(unknown).toMatchObject({ code: 2, stdout: '' });
    expect(unknown.stderr).toBe(
      'mqtt-lifeline: USAGE: unknown command "frobnicate" (pub, sub, watch, replay)\n',
    );
  });

  it('R94: sub prints what pub sends from stdin line by line, as JSON lines, and exits 0 after --count', async () => {
    const b = await broker();
    const sub = startCli(['sub', '-L', b.url, '-t', 'cli/#', '-q', '1', '-C', '3', '-F', 'json']);
    defer(() => sub.child.kill());
    await subscribed(b, 'cli/#');
    const pub = await runCli(['pub', '-L', b.url, '-t', 'cli/lines', '-q', '1', '-l'], {
      stdin: 'one\ntwo\nthree\n',
    });
    expect(pub).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect(await sub.exited).toBe(0);
    expect(
      sub
        .stdout()
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line)),
    ).toEqual(
      ['one', 'two', 'three'].map((payload) => ({ topic: 'cli/lines', qos: 1, retain: false, payload })),
    );
  });

  it('R94: pub sends -m --count times, a file retained, stdin whole at QoS 2; sub -v shows topic and payload of the retained message', async () => {
    const b = await broker();
    const seen: string[] = [];
    b.broker.on('publish', (packet, client) => {
      if (client) seen.push(`${packet.topic} ${packet.qos} ${packet.retain} ${packet.payload.toString()}`);
    });
    const dir = tempDir();
    writeFileSync(join(dir, 'msg.txt'), 'from a file');
    const times = await runCli([
      'pub',
      '-h',
      '127.0.0.1',
      '-p',
      String(b.port),
      '-t',
      'n',
      '-m',
      'hi',
      '-C',
      '3',
    ]);
    const file = await runCli(['pub', '-L', b.url, '-t', 'f', '-f', join(dir, 'msg.txt'), '-r', '-q', '1']);
    const whole = await runCli(['pub', '-L', b.url, '-t', 's', '-s', '-q', '2'], {
      stdin: 'all\nof it',
    });
    expect([times.code, file.code, whole.code]).toEqual([0, 0, 0]);
    expect(seen).toEqual([
      'n 0 false hi',
      'n 0 false hi',
      'n 0 false hi',
      'f 1 true from a file',
      's 2 false all\nof it',
    ]);
    const sub = await runCli(['sub', '-L', b.url, '-t', 'f', '-v', '-C', '1']);
    expect(sub).toMatchObject({ code: 0, stdout: 'f from a file\n' });
  });

  it('R94: an unreachable broker is exit 3 after --attempts; a refused CONNECT is exit 4; a refused subscription is exit 1; the env password works and is never printed', async () => {
    const secret = 'pa55-word-never-shown';
    const b = await broker({
      aedes: {
        authenticate: (_client, username, password, done) =>
          done(null, username === 'dev' && password?.toString() === secret),
        // Refused subscriptions get SUBACK 0x80.
        authorizeSubscribe: (_client, sub, done) => done(null, sub.topic === 'forbidden' ? null : sub),
      },
    });
    const closed = await freePort();
    const [unreachable, refused, accepted, forbidden] = await Promise.all([
      runCli(['pub', '-L', url(closed), '-t', 't', '-m', 'x', '--attempts', '2', '--min-delay', '10']),
      runCli(['pub', '-L', `mqtt://dev:wrong-${secret}@127.0.0.1:${b.port}`, '-t', 't', '-m', 'x']),
      runCli(['pub', '-L', b.url, '-u', 'dev', '-t', 't', '-m', 'x', '-d'], {
        env: { MQTT_LIFELINE_PASSWORD: secret },
      }),
      runCli(['sub', '-L', b.url, '-t', 'forbidden'], {
        env: { MQTT_LIFELINE_USERNAME: 'dev', MQTT_LIFELINE_PASSWORD: secret },
      }),
    ]);
    expect(forbidden.code).toBe(1);
    expect(forbidden.stderr).toBe(
      'mqtt-lifeline sub: SUBSCRIBE_FAILED: the broker refused the subscription to "forbidden"\n',
    );
    expect(unreachable.code).toBe(3);
    expect(unreachable.stderr).toMatch(
      /^mqtt-lifeline pub: TRANSPORT_ERROR: mqtt: .*gave up after 2 attempts/,
    );
    expect(refused.code).toBe(4);
    expect(refused.stderr).toMatch(/^mqtt-lifeline pub: CONNACK_REFUSED: mqtt: /);
    expect(accepted.code).toBe(0);
    expect(accepted.stderr).toMatch(/send CONNECT .*username=yes password=yes/);
    for (const run of [unreachable, refused, accepted, forbidden])
      expect(run.stdout + run.stderr).not.toContain(secret);
  });

  it('R94: pub reaches a wss:// broker with --cafile; without it the unverified certificate is exit 3; --insecure accepts it', async () => {
    const certs = generateCerts();
    defer(() => certs.remove());
    const b = await startAedesWs({ tls: { cert: certs.serverCert, key: certs.serverKey } });
    defer(() => b.close());
    const seen: string[] = [];
    b.broker.on('publish', (packet, client) => {
      if (client) seen.push(packet.payload.toString());
    });
    const args = (message: string) => ['pub', '-L', b.url, '-t', 'tls', '-m', message, '-q', '1'];
    const [verified, unverified, insecure, tlsOnPlain] = await Promise.all([
      runCli([...args('verified'), '--cafile', certs.file('ca.pem')]),
      runCli(args('unverified')),
      runCli([...args('insecure'), '--insecure']),
      runCli(['pub', '-L', 'mqtt://127.0.0.1:1', '-t', 't', '-m', 'x', '--cafile', certs.file('ca.pem')]),
    ]);
    expect([verified.code, unverified.code, insecure.code, tlsOnPlain.code]).toEqual([0, 3, 0, 2]);
    expect(unverified.stderr).toMatch(
      /^mqtt-lifeline pub: (TLS_\w+|TRANSPORT_ERROR): .*certificate is not signed by a trusted CA/,
    );
    expect(tlsOnPlain.stderr).toBe(
      'mqtt-lifeline pub: USAGE: TLS options need an mqtts:// or wss:// server\n',
    );
    expect(seen.sort()).toEqual(['insecure', 'verified']);
  });

  it('R90, R91: -d traces lifecycle decisions and packets (failover, retry delay, PUBLISH/PUBACK) and never the payload or password', async () => {
    const b = await broker();
    const dead = await freePort();
    const payload = 'PAYLOAD-MUST-NOT-APPEAR';
    const run = await runCli(
      [
        'pub',
        '-L',
        url(dead),
        '--server',
        b.url,
        '--min-delay',
        '10',
        '--max-delay',
        '10',
        '-t',
        'tr/x',
        '-m',
        payload,
        '-q',
        '1',
        '-d',
      ],
      { env: { MQTT_LIFELINE_USERNAME: 'u', MQTT_LIFELINE_PASSWORD: 'SECRET-PW' } },
    );
    expect(run.code).toBe(0);
    const lines = run.stderr.split('\n');
    const at = (pattern: RegExp) => lines.findIndex((line) => pattern.test(line));
    const order = [
      at(/trace: connecting to mqtt \(mqtt:\/\/127\.0\.0\.1:\d+\), attempt 1$/),
      at(/trace: connect to mqtt failed: TRANSPORT_ERROR/),
      at(
        /trace: retry on mqtt1 \(mqtt:\/\/127\.0\.0\.1:\d+\) in \d+ ms \(nominal \d+ ms, failed over\) after TRANSPORT_ERROR/,
      ),
      at(/trace: connecting to mqtt1 \(mqtt:\/\/127\.0\.0\.1:\d+\), attempt \d+$/),
      at(
        /trace: send CONNECT clientId="mqttlifeline_[0-9a-f]{8}" keepAlive=60 clean=1 will=0 username=yes password=yes size=\d+/,
      ),
      at(/trace: recv CONNACK rc=0 sessionPresent=0/),
      at(/trace: send PUBLISH topic="tr\/x" id=1 qos=1 retain=0 dup=0 payload=23B size=\d+/),
      at(/trace: recv PUBACK id=1/),
      at(/trace: send DISCONNECT/),
    ];
    expect(order.every((index, i) => index >= 0 && (i === 0 || index > (order[i - 1] as number)))).toBe(true);
    expect(run.stderr).not.toContain(payload);
    expect(run.stderr).not.toContain('SECRET-PW');
  });

  it('R95, R96: watch logs the connection line by line through an outage, its journal replays and --check passes; a tampered journal fails with exit 5', async () => {
    let b = await broker();
    const port = b.port;
    const journal = join(tempDir(), 'run.jsonl');
    const watch = startCli([
      'watch',
      '-L',
      url(port),
      '--min-delay',
      '20',
      '--max-delay',
      '40',
      '--journal',
      journal,
    ]);
    defer(() => watch.child.kill());
    await watch.line(/Z connected server=mqtt sessionPresent=false$/);
    await watch.line(/Z state online\.connected/);
    await b.close();
    await watch.line(/Z disconnected server=mqtt code=TRANSPORT_/);
    await watch.line(/Z backoff server=mqtt delayMs=\d+ nominalMs=\d+ switched=false$/);
    b = await broker({ port });
    await watch.line(/Z connecting server=mqtt attempt=[2-9]/);
    await new Promise<void>((resolve) => {
      const check = () => (watch.stdout().split(' connected server=mqtt').length > 2 ? resolve() : undefined);
      watch.child.stdout.on('data', check);
      check();
    });
    watch.child.kill('SIGINT');
    expect(await watch.exited).toBe(0);
    expect(watch.stdout()).toMatch(/Z stopped$/m);

    const replayed = await runCli(['replay', journal, '--check']);
    expect(replayed.code).toBe(0);
    expect(replayed.stdout).toMatch(
      /^#1 +\+ +0 ms \(\+ +0\) +client\.connect +-> online\.connecting\.opening +attempt 1 on mqtt/m,
    );
    expect(replayed.stdout).toMatch(
      /random\.drawn 0\.\d+ +-> backoff\.waiting +attempt \d+ on mqtt retry in \d+ ms \(nominal \d+\)/,
    );
    expect(replayed.stdout).toMatch(/^check: ok, all \d+ steps replay to the recorded states$/m);

    const lines = readFileSync(journal, 'utf8').trim().split('\n');
    const target = lines.findIndex((line) => line.includes('"mqtt.connack"'));
    lines[target] = (lines[target] as string).replace(/"state":.*}$/, '"state":"stopped"}');
    writeFileSync(journal, `${lines.join('\n')}\n`);
    const tampered = await runCli(['replay', journal, '--check']);
    expect(tampered.code).toBe(5);
    expect(tampered.stderr).toMatch(
      new RegExp(
        `^mqtt-lifeline replay: MISMATCH: step ${target} \\(mqtt\\.connack\\) recorded stopped but replays to online\\.connected`,
      ),
    );
  });

  it('R95: watch --ui live draws the state, server, attempt and last events on a redrawn screen', async () => {
    const b = await broker();
    const watch = startCli(['watch', '-L', b.url, '--ui', 'live']);
    defer(() => watch.child.kill());
    await watch.line(/^state +connected +\(online\.connected/);
    watch.child.kill('SIGINT');
    expect(await watch.exited).toBe(0);
    const screen = watch.stdout();
    expect(screen).toContain('\x1b[J');
    expect(screen).toMatch(/server +mqtt \(mqtt:\/\/127\.0\.0\.1:\d+\)/);
    expect(screen).toMatch(/attempt +1/);
    expect(screen).toMatch(/connected server=mqtt sessionPresent=false/);
  });
});
