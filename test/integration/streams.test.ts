/**
 * The RxJS streams over a real client and aedes (`state$`, `subscribe` routing and reference
 * counting, `messages$`), and `whenState`'s timeout under rxjs's TestScheduler with a fake
 * {@link StreamSource}, so no real time passes.
 */
import { firstValueFrom, map, type Observable, type Subscription } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { TimeoutError } from '../../errors.js';
import type { ClientEvent, TopicObserver } from '../../runtime/client.js';
import type { ClientState } from '../../runtime/lifecycleClient.js';
import { ofType } from '../../streams/events.js';
import { json, text } from '../../streams/messages.js';
import type { StreamSource } from '../../streams/source.js';
import { whenState } from '../../streams/whenState.js';
import { recordBroker, waitForBroker, waitForClientEvent, waitForCount } from '../support/clientEvents.js';
import { connect, server, useResources } from '../support/integration.js';

const { defer, aedes, makeClient } = useResources();

/** Collects `topic=payload` of each message of `stream` (copied in the handler: payloads are views). */
function collect(stream: Observable<{ topic: string; payload: Uint8Array }>): {
  seen: string[];
  sub: Subscription;
} {
  const seen: string[] = [];
  const sub = stream.subscribe((m) => seen.push(`${m.topic}=${Buffer.from(m.payload).toString('utf8')}`));
  defer(() => sub.unsubscribe());
  return { seen, sub };
}

describe('streams against aedes', () => {
  it('state$ emits the current state at once to late subscribers, then every change', async () => {
    const broker = await aedes();
    // A 1 s retry delay, so no new attempt starts between the drop and the disconnect below.
    const client = makeClient({ servers: [server(broker.port, { minDelayMs: 1000, maxDelayMs: 1000 })] });
    const early: ClientState[] = [];
    client.state$.subscribe((s) => early.push(s));
    expect(early).toEqual(['idle']);
    await connect(client);
    let late: ClientState | undefined;
    const lateSub = client.state$.subscribe((s) => {
      late ??= s;
    });
    // Synchronously, without waiting for the next event.
    expect(late).toBe('connected');
    lateSub.unsubscribe();
    const lost = waitForClientEvent(client, 'backoff');
    await broker.close();
    await lost;
    await client.disconnect();
    expect(early).toEqual(['idle', 'connecting', 'connected', 'backoff', 'stopped']);
    expect(await firstValueFrom(client.state$)).toBe('stopped');
  });

  it('R87: subscribe(filter).pipe(json()) skips a payload that is not JSON: no error, no UNSUBSCRIBE, the next reading arrives', async () => {
    const broker = await aedes();
    const client = makeClient({ servers: [server(broker.port, { clientId: 'json-reader' })] });
    const unsubscribes = recordBroker(broker.broker, 'unsubscribe', 'json-reader', (topics) => topics);
    const readings: number[] = [];
    let failed: unknown;
    const sub = client
      .subscribe('js/+/temp', { qos: 1 })
      .pipe(json<{ celsius: number }>())
      .subscribe({ next: (r) => readings.push(r.celsius), error: (e: unknown) => (failed = e) });
    defer(() => sub.unsubscribe());
    const subacked = waitForClientEvent(client, 'suback');
    await connect(client);
    await subacked;
    const publisher = makeClient({ servers: [server(broker.port)] });
    await connect(publisher);
    const both = waitForCount(client, () => readings, 2);
    for (const payload of ['{"celsius":20}', 'not json', '{"celsius":', '{"celsius":21}'])
      await publisher.publish('js/kitchen/temp', payload, { qos: 1 });
    await both;
    expect(readings).toEqual([20, 21]);
    expect(failed).toBeUndefined();
    expect(sub.closed).toBe(false);
    expect(unsubscribes).toEqual([]);
    expect(client.subscriptions().map((s) => s.filter)).toEqual(['js/+/temp']);
  });

  it('subscribe(filter) with + and # routes only matching messages to each stream', async () => {
    const broker = await aedes();
    const client = makeClient({ servers: [server(broker.port)] });
    const plus = collect(client.subscribe('rt/+/temp', { qos: 1 }));
    const hash = collect(client.subscribe('rt/x/#', { qos: 1 }));
    const all = collect(client.messages$);
    const subacks = waitForClientEvent(client, 'suback', () => true, { count: 2 });
    await connect(client);
    await subacks;
    const publisher = makeClient({ servers: [server(broker.port)] });
    await connect(publisher);
    // The last one is a barrier: messages arrive in order, so a duplicate would come before it.
    const topics = [
      'rt/a/temp',
      'rt/x',
      'rt/x/y/z',
      'rt/b/temp',
      'rt/a/temp/deeper',
      'rt/x/temp',
      'rt/end/temp',
    ];
    const done = waitForCount(client, () => all.seen, 6);
    for (const t of topics) await publisher.publish(t, t.replaceAll('/', '.'), { qos: 1 });
    await done;
    expect(plus.seen).toEqual([
      'rt/a/temp=rt.a.temp',
      'rt/b/temp=rt.b.temp',
      'rt/x/temp=rt.x.temp',
      'rt/end/temp=rt.end.temp',
    ]);
    // `#` also matches the parent level itself.
    expect(hash.seen).toEqual(['rt/x=rt.x', 'rt/x/y/z=rt.x.y.z', 'rt/x/temp=rt.x.temp']);
    // The broker sent nothing matching neither filter, and each message once.
    expect(all.seen).toEqual([
      'rt/a/temp=rt.a.temp',
      'rt/x=rt.x',
      'rt/x/y/z=rt.x.y.z',
      'rt/b/temp=rt.b.temp',
      'rt/x/temp=rt.x.temp',
      'rt/end/temp=rt.end.temp',
    ]);
  });

  it('subscribe(filter): two subscribers share one SUBSCRIBE, and UNSUBSCRIBE goes out only when the last one unsubscribes', async () => {
    const broker = await aedes();
    const client = makeClient({ servers: [server(broker.port, { clientId: 'shared' })] });
    const subscribes = recordBroker(broker.broker, 'subscribe', 'shared', (s) => s.map((x) => x.topic));
    const unsubscribes = recordBroker(broker.broker, 'unsubscribe', 'shared', (u) => u);
    await connect(client);
    const firstSuback = waitForClientEvent(client, 'suback');
    const one = collect(client.subscribe('sh/#', { qos: 1 }));
    const two = collect(client.subscribe('sh/#', { qos: 1 }));
    await firstSuback;
    const publisher = makeClient({ servers: [server(broker.port)] });
    await connect(publisher);
    const bothGotA = waitForCount(client, () => [...one.seen, ...two.seen], 2);
    await publisher.publish('sh/a', 'a', { qos: 1 });
    await bothGotA;

    one.sub.unsubscribe();
    // Barrier instead of a sleep: the broker handles a connection's packets in order, so once a
    // later SUBSCRIBE is acknowledged, an UNSUBSCRIBE written before it would have been seen.
    const barrier = waitForClientEvent(client, 'suback', (e) => e.filter === 'barrier/1');
    const barrierSub = collect(client.subscribe('barrier/1'));
    await barrier;
    expect(unsubscribes).toEqual([]);
    const twoGotB = waitForCount(client, () => two.seen, 2);
    await publisher.publish('sh/b', 'b', { qos: 1 });
    await twoGotB;

    const unsubscribed = waitForBroker(
      broker.broker,
      'unsubscribe',
      (u, c) => c?.id === 'shared' && u.includes('sh/#'),
    );
    const unsuback = waitForClientEvent(client, 'unsuback', (e) => e.filter === 'sh/#');
    two.sub.unsubscribe();
    await Promise.all([unsubscribed, unsuback]);
    barrierSub.sub.unsubscribe();
    expect(subscribes.flat()).toEqual(['sh/#', 'barrier/1']);
    expect(one.seen).toEqual(['sh/a=a']);
    expect(two.seen).toEqual(['sh/a=a', 'sh/b=b']);
    expect(client.subscriptions()).toEqual([]);
  });

  it('messages$ sees messages no subscribe() stream matches (here: from a subscription the broker kept in a persistent session)', async () => {
    const broker = await aedes();
    const id = { clientId: 'ms-persistent', clean: false };
    const previous = makeClient({ servers: [server(broker.port, id)] });
    const suback = waitForClientEvent(previous, 'suback');
    collect(previous.subscribe('um/#', { qos: 1 }));
    await connect(previous);
    await suback;
    await previous.disconnect();

    const client = makeClient({ servers: [server(broker.port, id)] });
    const all = collect(client.messages$);
    const other = collect(client.subscribe('other/#', { qos: 1 }));
    const decoded: unknown[] = [];
    client.messages$.pipe(json()).subscribe((value) => decoded.push(value));
    const connected = waitForClientEvent(client, 'connected');
    const otherSuback = waitForClientEvent(client, 'suback');
    client.connect();
    expect((await connected).sessionPresent).toBe(true);
    await otherSuback;
    const publisher = makeClient({ servers: [server(broker.port)] });
    await connect(publisher);
    const both = waitForCount(client, () => all.seen, 2);
    await publisher.publish('um/1', '{"n":1}', { qos: 1 });
    await publisher.publish('other/1', '{"n":2}', { qos: 1 });
    await both;
    expect(all.seen).toEqual(['um/1={"n":1}', 'other/1={"n":2}']);
    expect(other.seen).toEqual(['other/1={"n":2}']);
    expect(decoded).toEqual([{ n: 1 }, { n: 2 }]);
    // The client registered only its own filter: `um/#` lives in the broker's session alone.
    expect(client.subscriptions().map((s) => s.filter)).toEqual(['other/#']);
  });

  it('events$ with ofType narrows to the requested event types', async () => {
    const broker = await aedes();
    const client = makeClient({ servers: [server(broker.port)] });
    const seen: string[] = [];
    client.events$
      .pipe(
        ofType('connected', 'suback'),
        map((e) => (e.type === 'connected' ? `connected:${e.server}` : `suback:${e.filter}:${e.granted}`)),
      )
      .subscribe((s) => seen.push(s));
    const suback = waitForClientEvent(client, 'suback');
    client.subscribe('ev/#', { qos: 2 }).pipe(text()).subscribe();
    client.connect();
    await suback;
    expect(seen).toEqual(['connected:mqtt', 'suback:ev/#:2']);
  });
});

/** A StreamSource double: its state changes only when the test says so. */
function fakeSource(initial: ClientState) {
  const listeners = new Set<(event: ClientEvent) => void>();
  const source = {
    state: initial,
    listeners,
    onEvent(listener: (event: ClientEvent) => void) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    onMessage: () => () => {},
    addTopicObserver: (_filter: string, _qos: 0 | 1 | 2, _observer: TopicObserver) => () => {},
    /** Moves to `state` and reports the event that caused it. */
    become(state: ClientState, event: ClientEvent) {
      source.state = state;
      for (const listener of [...listeners]) listener(event);
    },
  };
  const typed: StreamSource = source;
  return Object.assign(source, { typed });
}

describe('whenState under a TestScheduler (virtual time)', () => {
  const scheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

  it("R86: whenState times out with the library's TimeoutError (WAIT_TIMEOUT) after timeoutMs of virtual time, without real time passing", () => {
    const source = fakeSource('connecting');
    const test = scheduler();
    const started = performance.now();
    test.run(({ expectObservable }) => {
      // A minute of virtual time.
      expectObservable(whenState(source.typed, 'connected', { timeoutMs: 60_000, scheduler: test })).toBe(
        '60000ms #',
        undefined,
        expect.any(TimeoutError),
      );
    });
    expect(performance.now() - started).toBeLessThan(1000);
    // Timing out removed the listener from the source.
    expect(source.listeners.size).toBe(0);
  });

  it('whenState emits once and completes when the state is reached before the timeout', () => {
    const source = fakeSource('connecting');
    const test = scheduler();
    test.run(({ expectObservable }) => {
      test.schedule(
        () =>
          source.become('backoff', {
            type: 'backoff',
            server: 'mqtt',
            serverIndex: 0,
            nominalMs: 2000,
            delayMs: 2000,
            switched: false,
          }),
        200,
      );
      test.schedule(
        () =>
          source.become('connected', {
            type: 'connected',
            server: 'mqtt',
            serverIndex: 0,
            sessionPresent: false,
          }),
        500,
      );
      expectObservable(whenState(source.typed, 'connected', { timeoutMs: 1000, scheduler: test })).toBe(
        '500ms (a|)',
        {
          a: 'connected',
        },
      );
    });
    expect(source.listeners.size).toBe(0);
  });

  it('whenState emits at once when the source already is in the state', () => {
    const source = fakeSource('connected');
    const test = scheduler();
    test.run(({ expectObservable }) => {
      expectObservable(whenState(source.typed, 'connected', { timeoutMs: 10, scheduler: test })).toBe(
        '(a|)',
        {
          a: 'connected',
        },
      );
    });
  });
});
