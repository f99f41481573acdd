/**
 * Acknowledge after processing, end to end (docs/spec.md R214-R218): a subscriber on a file store
 * with `clean: false` and `session.handleMessage` (a few ms of async work per message) is SIGKILLed
 * (ACK_CRASH_KILLS, default 20; 40 pass; 100 do not yet, see spec R218) while mosquitto streams QoS 1 and QoS 2 messages to it, and started again on the same
 * store. Every message's handler completes at least once; a message is handed to a second process
 * only if the one before died with it unacknowledged: its handler unfinished, or among the last
 * messages it finished (acks wait in receive order behind unfinished handlers, and the kernel drops
 * what the dead process had not sent). Never twice to one process.
 *
 * Kill moments come from a seeded generator: the seed is printed, `ACK_CRASH_SEED=<n>` replays them.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type MqttClient as MqttJsClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildForBench, freshBuildDir } from '../../bench/build.js';
import { seededRandom } from '../../bench/scenarios/support.js';
import { haveMosquitto, type MosquittoHandle, startMosquitto } from '../support/brokers.js';

/** 20 by default: each kill costs a Node start (1-3 s on a loaded machine); set 100 to run the figure. */
const KILLS = Number(process.env.ACK_CRASH_KILLS ?? 20);
const SEED = Number(process.env.ACK_CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));
const TOPICS = { 'ack/q1': 1, 'ack/q2': 2 } as const;
/**
 * How recent, among the messages a killed process finished, a message must be for a re-delivery
 * under the same packet id to be allowed (R218): finished but with its ack waiting behind an
 * unfinished handler, or acked in bytes the kernel dropped with the process.
 */
const RECENT = 40;
/** Subscriber processes started ahead of their turn. */
const AHEAD = 3;

/** One subscriber process and what it printed. */
interface Child {
  readonly run: number;
  readonly process: ChildProcess;
  readonly lines: string[];
  readonly exited: Promise<void>;
  go(): void;
  /** The tail of what it wrote to stderr (a reported ListenerError, a crash). */
  stderr(): string;
  /** Resolves with the first line starting with `prefix` (rejects after `timeoutMs`). */
  line(prefix: string, timeoutMs: number): Promise<string>;
  /** Called with every line. */
  onLine?: (line: string) => void;
}

describe.runIf(haveMosquitto)(
  'a subscriber acknowledging after processing, SIGKILLed again and again (R218)',
  () => {
    let dir: string;
    let worker: string;
    let broker: MosquittoHandle;
    let publisher: MqttJsClient;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'mqtt-lifeline-ackcrash-'));
      const build = freshBuildDir();
      buildForBench(build);
      worker = join(build, 'test', 'support', 'crashSubscriber.js');
      broker = await startMosquitto({
        // mosquitto 2.0.11 with an in-flight window (its default 20) and a backlog of mixed QoS 1/2
        // for a reconnecting client re-sends some messages under new packet ids and loses a few QoS 2
        // ones (seen: 10 of 6392 over 40 kills, 145 renumbered; `ACK_CRASH_INFLIGHT=20` shows it); with
        // a queue limit set it also drops queued QoS 1 (180 of 200, to MQTT.js too). Without either
        // (0 is no limit) it loses and renumbers nothing, which leaves the client's part measured.
        config: [
          `max_inflight_messages ${process.env.ACK_CRASH_INFLIGHT ?? 0}`,
          'max_queued_messages 0',
          'connection_messages false',
        ].join('\n'),
      });
      publisher = connect(`mqtt://127.0.0.1:${broker.port}`, {
        clientId: 'ack-publisher',
        reconnectPeriod: 100,
      });
      await new Promise<void>((resolve) => publisher.once('connect', () => resolve()));
    }, 60_000);

    afterAll(async () => {
      await new Promise<void>((resolve) => publisher?.end(true, {}, () => resolve()));
      await broker?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    function spawnSubscriber(run: number): Child {
      const args = {
        port: broker.port,
        store: join(dir, 'subscriber.session'),
        clientId: 'ack-subscriber',
        handleMs: 3,
      };
      const child = spawn(process.execPath, [worker, JSON.stringify(args)], {
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      const lines: string[] = [];
      let pending = '';
      let stderr = '';
      const waiters: { prefix: string; resolve: (line: string) => void }[] = [];
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      const handle: Child = {
        run,
        process: child,
        lines,
        exited,
        go: () => child.stdin?.write('go\n'),
        stderr: () => stderr,
        line: (prefix, timeoutMs) =>
          new Promise<string>((resolve, reject) => {
            const found = lines.find((l) => l.startsWith(prefix));
            if (found !== undefined) return resolve(found);
            const timer = setTimeout(
              () =>
                reject(new Error(`run ${run}: no '${prefix}' within ${timeoutMs} ms; stderr:\n${stderr}`)),
              timeoutMs,
            );
            waiters.push({
              prefix,
              resolve: (line) => {
                clearTimeout(timer);
                resolve(line);
              },
            });
          }),
      };
      child.stdout?.setEncoding('utf8').on('data', (text: string) => {
        const parts = (pending + text).split('\n');
        pending = parts.pop() ?? '';
        for (const line of parts) {
          lines.push(line);
          handle.onLine?.(line);
          for (const w of waiters.filter((x) => line.startsWith(x.prefix))) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve(line);
          }
        }
      });
      child.stderr?.setEncoding('utf8').on('data', (text: string) => {
        stderr = (stderr + text).slice(-4000);
      });
      child.stdin?.on('error', () => {});
      return handle;
    }

    it(
      'every handler completes at least once; re-deliveries only of what a killed process had not acknowledged',
      async () => {
        const started = Date.now();
        const random = seededRandom(SEED);
        const published: string[] = [];
        let unacked = 0;
        let allAcked = () => {};
        let seq = 0;
        let publishing = true;
        const publishSome = () => {
          if (!publishing) return;
          for (const [topic, qos] of Object.entries(TOPICS)) {
            const key = `${topic} ${seq}`;
            unacked++;
            publisher.publish(topic, String(seq), { qos }, (error) => {
              if (--unacked === 0 && !publishing) allAcked();
              if (!error) published.push(key);
            });
          }
          seq++;
          setTimeout(publishSome, 4);
        };

        const runs: Child[] = [];
        // Processes loaded ahead and waiting for `go`: starting Node takes longer than a run lasts.
        const ready: Child[] = [];
        let spawned = 0;
        const refill = () => {
          while (ready.length < AHEAD && spawned <= KILLS) ready.push(spawnSubscriber(++spawned));
        };
        const take = (): Child => {
          refill();
          return ready.shift() as Child;
        };
        for (let run = 1; run <= KILLS; run++) {
          const child = take();
          runs.push(child);
          child.go();
          refill();
          if (run === 1) {
            await child.line('SUBSCRIBED', 20_000);
            publishSome();
          }
          // Every 10th kill lands during start-up and recovery; the others while it handles messages.
          if (run % 10 !== 0) await child.line('S ', 20_000);
          await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * 150)));
          child.process.kill('SIGKILL');
          await child.exited;
        }
        publishing = false;
        // The publisher is never killed: wait for the broker to acknowledge all it sent.
        if (unacked > 0) await new Promise<void>((resolve) => (allAcked = resolve));

        const last = take();
        runs.push(last);
        for (const spare of ready) spare.process.kill('SIGKILL');
        const done = new Set(
          runs.flatMap((c) => c.lines.filter((l) => l.startsWith('D ')).map((l) => l.slice(2))),
        );
        const allDone = () => published.every((key) => done.has(key));
        await new Promise<void>((resolve) => {
          // A deadline, not a sleep: after 30 s the assertions below say what never completed.
          const deadline = setTimeout(resolve, 30_000);
          last.onLine = (line) => {
            if (line.startsWith('D ')) done.add(line.slice(2));
            if (allDone()) {
              clearTimeout(deadline);
              resolve();
            }
          };
          last.go();
        });
        last.process.kill('SIGKILL');
        await last.exited;

        // Per message: every hand-over (run, packet id), and per run the order in which messages finished.
        const handedOver = new Map<string, { run: number; id: string }[]>();
        const finishedAt = runs.map((c) => {
          const order = new Map<string, number>();
          for (const line of c.lines) {
            if (line.startsWith('S ')) {
              const [key = '', id = ''] = line.slice(2).split(' #');
              handedOver.set(key, [
                ...(handedOver.get(key) ?? []),
                { run: c.run, id: id.split(' ')[0] ?? '' },
              ]);
            } else if (line.startsWith('D ')) order.set(line.slice(2), order.size);
          }
          return order;
        });
        const lost = published.filter((key) => !done.has(key));
        const sameProcess: string[] = [];
        const unexplained: string[] = [];
        const redelivered = { 'ack/q1': 0, 'ack/q2': 0 };
        // The broker re-sending a message under a new packet id breaks [MQTT-4.4.0-1] (re-sends keep
        // their id): no client can tell it from a new message. Counted apart, with the ids as evidence.
        const renumbered: string[] = [];
        for (const [key, times] of handedOver) {
          for (let i = 1; i < times.length; i++) {
            const before = times[i - 1] as { run: number; id: string };
            const now = times[i] as { run: number; id: string };
            if (now.id !== before.id) {
              renumbered.push(`${key} #${before.id} (run ${before.run}) then #${now.id} (run ${now.run})`);
              continue;
            }
            if (now.run === before.run) {
              sameProcess.push(`${key} #${now.id} (run ${now.run})`);
              continue;
            }
            redelivered[key.split(' ')[0] as keyof typeof redelivered]++;
            const order = finishedAt[before.run - 1] as Map<string, number>;
            const at = order.get(key);
            // R218: allowed when that process died before finishing it, or had just finished it.
            if (at !== undefined && at < order.size - RECENT)
              unexplained.push(`${key} (run ${before.run}, ${order.size - at} from its end)`);
          }
        }
        const report = {
          seed: SEED,
          kills: KILLS,
          seconds: Math.round((Date.now() - started) / 1000),
          published: published.length,
          completed: done.size,
          lost: lost.length,
          redeliveredQos1: redelivered['ack/q1'],
          redeliveredQos2: redelivered['ack/q2'],
          unexplained: unexplained.length,
          sameProcess: sameProcess.length,
          brokerRenumbered: renumbered.length,
        };
        console.log(`ack-after crash test (ACK_CRASH_SEED=${SEED} replays it):`, JSON.stringify(report));
        const stderrs = runs
          .filter((c) => c.stderr() !== '')
          .map((c) => `run ${c.run}: ${c.stderr().slice(-300)}`);
        const lastEvents = last.lines.filter((l) => l.startsWith('E ')).slice(-8);
        if (sameProcess.length > 0 || lost.length > 0 || unexplained.length > 0) {
          // The hand-overs of the first few offenders, for the failure's story.
          const about = [...sameProcess, ...lost, ...unexplained].slice(0, 4).map((x) => x.split(/ [#(]/)[0]);
          for (const c of runs)
            for (const [i, l] of c.lines.entries())
              if (about.some((k) => l.startsWith(`S ${k} `) || l === `D ${k}`))
                console.log(`run ${c.run} line ${i}: ${l}`);
        }
        const context = `${JSON.stringify(report)} lost ${lost.slice(0, 5).join(',')} unexplained ${unexplained.slice(0, 5).join(',')} same ${sameProcess.slice(0, 5).join(',')} renumbered by the broker ${renumbered.slice(0, 3).join(', ')}; last run's events ${lastEvents.join(' | ')}; stderr ${stderrs.slice(0, 3).join(' || ')}`;
        expect(published.length, context).toBeGreaterThan(KILLS * 4);
        expect(lost, context).toEqual([]);
        expect(unexplained, context).toEqual([]);
        expect(sameProcess, context).toEqual([]);
      },
      60_000 + KILLS * 4_000,
    );
  },
);
