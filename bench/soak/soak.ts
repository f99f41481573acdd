/**
 * The soak (issue 16 part 5, spec R227-R229): two clients exchange QoS 0, 1 and 2 traffic through
 * mosquitto for a given time while a fault strikes at a fixed interval, in turn: the broker
 * stopped with SIGTERM and restarted from its persistence, the network cut (a proxy that stops forwarding),
 * the broker frozen with SIGSTOP, and the restartable client SIGKILLed and started again on its
 * file store. Side B runs in this process (its memory, handles and event loop are the ones
 * sampled); side A is a child process (bench/soak/peer.ts). Both check their wire (R226).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MqttClient } from '../../adapters/node.js';
import { type MosquittoHandle, startMosquitto } from '../../test/support/brokers.js';
import { withWireCheck } from '../../test/support/wireCheck.js';
import { WireValidator } from '../../test/support/wireValidator.js';
import { type FlowCount, Ledger } from './ledger.js';
import { type Sample, Sampler, slopePerMinute } from './metrics.js';
import type { PeerArgs } from './peer.js';
import { type CuttableProxy, startProxy } from './proxy.js';
import { type SoakTrace, startTrace } from './trace.js';

const ROOT = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
const PEER = join(ROOT, 'bench', 'soak', 'peer.ts');

/** The faults, in the order they strike. */
export const FAULTS = ['broker-restart', 'network-cut', 'broker-sigstop', 'client-restart'] as const;
/** One of {@link FAULTS}. */
export type Fault = (typeof FAULTS)[number];

/** Options of {@link runSoak}. */
export interface SoakOptions {
  /** How long traffic and faults run, in seconds (the drain afterwards comes on top). */
  readonly seconds: number;
  /** Seconds between faults. @default 60 */
  readonly faultEverySec?: number;
  /** Messages per second per QoS per side. @default 5 */
  readonly rate?: number;
  /** How long a cut network or a frozen broker stays so, in ms. @default 5000 */
  readonly outageMs?: number;
  /** How long the drain may take before what is missing counts as lost, in ms. @default 60000 */
  readonly drainMs?: number;
  /** Progress lines. @default none */
  readonly log?: (line: string) => void;
  /** A directory to write the trace to (bench/soak/trace.ts). @default `$SOAK_TRACE`, else none */
  readonly trace?: string;
}

/** What a soak found. */
export interface SoakReport {
  readonly seconds: number;
  readonly faults: readonly { readonly fault: Fault; readonly at: number }[];
  readonly flows: readonly FlowCount[];
  /** Wire rule violations of either side (spec R226). */
  readonly wireViolations: readonly string[];
  /** Messages a session dropped (queue limits), which would be losses too. */
  readonly drops: readonly string[];
  /** This process (side B), sampled before each fault and at the end, after a full GC. */
  readonly samples: readonly Sample[];
  /** Heap and RSS slope over the second half of the samples, bytes per minute. */
  readonly heapSlope: number;
  readonly rssSlope: number;
  /** How many processes side A ran as. */
  readonly peerRuns: number;
  readonly drained: boolean;
  /** How often side B connected (1 + its reconnects): evidence that the faults reached it. */
  readonly connects: number;
}
interface Peer {
  readonly process: ChildProcess;
  readonly exited: Promise<void>;
}

/** Runs the soak; resolves with its report once everything is stopped. */
export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const faultEverySec = options.faultEverySec ?? 60;
  const rate = options.rate ?? 5;
  const outageMs = options.outageMs ?? 5000;
  const traceDir = options.trace ?? process.env.SOAK_TRACE;
  const trace: SoakTrace | undefined = traceDir ? startTrace(traceDir) : undefined;
  const log = (line: string) => {
    trace?.note(line);
    options.log?.(line);
  };
  const dir = mkdtempSync(join(tmpdir(), 'mqtt-lifeline-soak-'));
  const sampler = new Sampler();
  const ledger = new Ledger();
  const wire: string[] = [];
  const drops: string[] = [];
  const faults: { fault: Fault; at: number }[] = [];
  let started = performance.now();
  const now = () => (performance.now() - started) / 1000;
  const broker: MosquittoHandle = await startMosquitto({
    config: [
      'persistence true',
      `persistence_location ${dir}/`,
      // Save after every change (a SIGTERMed broker saves on exit in any case).
      'autosave_on_changes true',
      'autosave_interval 1',
      'max_queued_messages 1000000',
      'connection_messages false',
      trace?.brokerConfig ?? '',
    ].join('\n'),
  });
  const proxy: CuttableProxy = await startProxy(broker.port, trace && (() => trace.connection()));

  // Side B, in this process.
  const validator = new WireValidator({
    label: 'soak-b',
    onViolation: (v) => wire.push(`b: [${v.kind}] ${v.message}`),
  });
  const b = new MqttClient(
    withWireCheck(
      {
        servers: [
          {
            host: '127.0.0.1',
            port: proxy.port,
            clientId: 'soak-b',
            clean: false,
            minDelayMs: 100,
            maxDelayMs: 1000,
          },
        ],
        keepAliveSec: 2,
        pingTimeoutMs: 1000,
        connectTimeoutMs: 2000,
        session: { maxQueueLength: 50_000 },
      },
      validator,
    ),
  );
  let connects = 0;
  b.onEvent((event) => {
    trace?.note(`b event ${JSON.stringify(event)}`);
    if (event.type === 'connected') connects++;
    // QoS 0 messages dropped while offline are QoS 0's contract, not a loss.
    if (event.type === 'drop' && event.qos > 0 && !event.topic.startsWith('soak/churn'))
      drops.push(`b: ${event.topic} ${event.packetId} (${event.reason})`);
  });
  b.onMessage((m) => {
    if (m.topic.startsWith('soak/a/')) ledger.arrived(m.topic, new TextDecoder().decode(m.payload));
  });
  b.session.subscribe('soak/a/+', 2);
  b.connect();

  // Side A, a child process restarted by the `client-restart` fault.
  let subscribed = () => {};
  const aSubscribed = new Promise<void>((resolve) => {
    subscribed = resolve;
  });
  let run = 0;
  let peer: Peer | undefined;
  const spawnPeer = (peerRate: number): Peer => {
    run++;
    const args: PeerArgs = {
      port: proxy.port,
      store: join(dir, 'a.session'),
      run,
      rate: peerRate,
      trace: trace !== undefined,
    };
    const child = spawn(process.execPath, ['--import', 'tsx', PEER, JSON.stringify(args)], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let pending = '';
    child.stdout?.setEncoding('utf8').on('data', (text: string) => {
      const lines = (pending + text).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const [kind, topic = '', payload = ''] = line.split(' ');
        if (trace !== undefined && kind !== 'M') trace.note(`a${run} ${line}`);
        if (kind === 'P') ledger.accepted(topic, payload);
        else if (kind === 'R') ledger.arrived(topic, payload);
        else if (kind === 'S') subscribed();
        else if (kind === 'WIRE') wire.push(`a (run ${run}): ${line}`);
        else if (kind === 'DROP' && !topic.endsWith('/0')) drops.push(`a: ${line}`);
      }
    });
    child.stderr?.setEncoding('utf8').on('data', (text: string) => log(`peer: ${text.trim()}`));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    return { process: child, exited };
  };
  const killPeer = async () => {
    if (peer === undefined) return;
    peer.process.kill('SIGKILL');
    await peer.exited;
  };
  peer = spawnPeer(rate);
  // Until A's first SUBACK the broker would drop B's messages for it: not a loss to count.
  await aSubscribed;

  started = performance.now();
  // B's traffic, and subscriptions coming and going.
  let seq = 0;
  const publishing = setInterval(() => {
    for (const qos of [0, 1, 2] as const) {
      const topic = `soak/b/${qos}`;
      const payload = `b.${seq}`;
      if (b.publishNow(topic, payload, qos, false).disposition !== 'dropped') ledger.accepted(topic, payload);
    }
    b.publishNow(`soak/churn/${seq % 7}`, 'c', 1, false);
    seq++;
  }, 1000 / rate);
  let churn: { unsubscribe(): void } | undefined;
  const churning = setInterval(() => {
    if (churn === undefined) churn = b.subscribe(`soak/churn/${seq % 7}`, { qos: 1 }).subscribe();
    else {
      churn.unsubscribe();
      churn = undefined;
    }
  }, 3000);

  const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const strike = async (fault: Fault) => {
    faults.push({ fault, at: now() });
    log(`${now().toFixed(0)} s: ${fault}`);
    switch (fault) {
      case 'broker-restart':
        // SIGTERM, so mosquitto saves its database; a SIGKILL loses and resurrects (spec R227).
        await broker.stop();
        await wait(1000);
        await broker.restart();
        return;
      case 'network-cut':
        proxy.cut();
        await wait(outageMs);
        proxy.heal();
        return;
      case 'broker-sigstop':
        broker.freeze();
        await wait(outageMs);
        broker.thaw();
        return;
      case 'client-restart':
        await killPeer();
        peer = spawnPeer(rate);
        return;
    }
  };

  try {
    let n = 0;
    while (now() + faultEverySec <= options.seconds) {
      await wait(Math.max(0, (n + 1) * faultEverySec - now()) * 1000);
      // A quiet point: the previous fault is long over. Sampled before each strike.
      const s = sampler.take();
      log(`${now().toFixed(0)} s: heap ${(s.heapUsed / 2 ** 20).toFixed(1)} MB, handles ${s.handles}`);
      await strike(FAULTS[n % FAULTS.length] as Fault);
      n++;
    }
    await wait(Math.max(0, options.seconds - now()) * 1000);
    // Drain: no new traffic; a fresh A (rate 0) takes what it is owed.
    clearInterval(publishing);
    clearInterval(churning);
    churn?.unsubscribe();
    await killPeer();
    peer = spawnPeer(0);
    const drained = await waitUntil(() => ledger.missing() === 0, options.drainMs ?? 60_000);
    sampler.take();
    await killPeer();
    const samples = sampler.samples;
    const half = samples.slice(Math.floor(samples.length / 2));
    return {
      seconds: options.seconds,
      faults,
      flows: ledger.flows(),
      wireViolations: wire,
      drops,
      samples,
      heapSlope: slopePerMinute(half.map((s) => ({ t: s.t, y: s.heapUsed }))),
      rssSlope: slopePerMinute(half.map((s) => ({ t: s.t, y: s.rss }))),
      peerRuns: run,
      drained,
      connects,
    };
  } finally {
    clearInterval(publishing);
    clearInterval(churning);
    sampler.stop();
    await killPeer();
    await b.disconnect();
    await proxy.close();
    broker.thaw();
    await broker.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Resolves true once `done()` holds (checked every 200 ms), false after `timeoutMs`. */
async function waitUntil(done: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!done()) {
    if (performance.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return true;
}
