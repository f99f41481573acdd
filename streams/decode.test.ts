/**
 * Spec R87: decoding helpers skip or hand over bad payloads without ending the subscription, and
 * R86: whenState ends with ClientClosedError when the client stops first. Marble tests under
 * rxjs's TestScheduler.
 */
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { ClientClosedError, DecodeError } from '../errors.js';
import type { ClientEvent, ClientState, Message } from '../runtime/types.js';
import { decode } from './decode.js';
import { json } from './messages.js';
import type { StreamSource } from './source.js';
import { whenState } from './whenState.js';

const scheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

const message = (payload: string, topic = 'sensors/kitchen/temp'): Message => ({
  type: 'message',
  topic,
  payload: new TextEncoder().encode(payload),
  qos: 0,
  retain: false,
  dup: false,
  packetId: 0,
});

const messages = {
  a: message('{"celsius":21}'),
  b: message('not json', 'sensors/hall/temp'),
  c: message('{"celsius":22}'),
};

describe('json() and decode() (R87)', () => {
  it('by default skips a payload that is not JSON and keeps the subscription', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('a-b-c-|', messages);
      expectObservable(source.pipe(json<{ celsius: number }>())).toBe('a---c-|', {
        a: { celsius: 21 },
        c: { celsius: 22 },
      });
      // Subscribed until the source itself completes: a bad payload does not unsubscribe.
      expectSubscriptions(source.subscriptions).toBe('^-----!');
    });
  });

  it('onError gets each bad payload as a DecodeError with its message, and the stream goes on', () => {
    const bad: [DecodeError, string][] = [];
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('a-b-b-c-', messages);
      const decoded = source.pipe(json({ onError: (error, m) => bad.push([error, m.topic]) }));
      expectObservable(decoded).toBe('a-----c-', { a: { celsius: 21 }, c: { celsius: 22 } });
      expectSubscriptions(source.subscriptions).toBe('^-------');
    });
    expect(bad).toHaveLength(2);
    const [error, topic] = bad[0] ?? [];
    expect(error).toBeInstanceOf(DecodeError);
    expect(error).toMatchObject({ code: 'DECODE_FAILED', topic: 'sensors/hall/temp' });
    expect(error?.cause).toBeInstanceOf(SyntaxError);
    expect(topic).toBe('sensors/hall/temp');
  });

  it("onError 'error' errors the stream with the DecodeError (which ends the subscription)", () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('a-b-c-|', messages);
      expectObservable(source.pipe(json({ onError: 'error' }))).toBe(
        'a-#',
        { a: { celsius: 21 } },
        expect.any(DecodeError),
      );
      expectSubscriptions(source.subscriptions).toBe('^-!');
    });
  });

  it('a throwing onError errors the stream with what it threw', () => {
    const thrown = new Error('handler bug');
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold('a-b-c-|', messages);
      const decoded = source.pipe(
        json({
          onError: () => {
            throw thrown;
          },
        }),
      );
      expectObservable(decoded).toBe('a-#', { a: { celsius: 21 } }, thrown);
    });
  });

  it('decode(parse) works with any parser', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold('a-b-c|', messages);
      const lengths = source.pipe(
        decode((m) => {
          if (m.payload.length < 10) throw new RangeError('too short');
          return m.payload.length;
        }),
      );
      expectObservable(lengths).toBe('a---c|', { a: 14, c: 14 });
    });
  });
});

/** A StreamSource whose state the test moves. */
function fakeSource(initial: ClientState) {
  const listeners = new Set<(event: ClientEvent) => void>();
  const source = {
    state: initial,
    onEvent(listener: (event: ClientEvent) => void) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    onMessage: () => () => {},
    addTopicObserver: () => () => {},
    become(state: ClientState, event: ClientEvent) {
      source.state = state;
      for (const listener of [...listeners]) listener(event);
    },
  };
  const typed: StreamSource = source;
  return { source, typed, listeners };
}

describe('whenState settles (R86)', () => {
  it('errors with ClientClosedError when the client stops before reaching the state', () => {
    const { source, typed, listeners } = fakeSource('connecting');
    const test = scheduler();
    test.run(({ expectObservable }) => {
      test.schedule(() => source.become('stopped', { type: 'stopped', error: null }), 300);
      expectObservable(whenState(typed, 'connected', { timeoutMs: 1000, scheduler: test })).toBe(
        '300ms #',
        undefined,
        expect.any(ClientClosedError),
      );
    });
    expect(listeners.size).toBe(0);
  });

  it("waiting for 'stopped' completes on it; subscribing while stopped waits for the next connect", () => {
    const test = scheduler();
    const first = fakeSource('connecting');
    const second = fakeSource('stopped');
    test.run(({ expectObservable }) => {
      test.schedule(() => first.source.become('stopped', { type: 'stopped', error: null }), 100);
      test.schedule(
        () =>
          second.source.become('connected', {
            type: 'connected',
            server: 'mqtt',
            serverIndex: 0,
            sessionPresent: false,
          }),
        200,
      );
      expectObservable(whenState(first.typed, 'stopped')).toBe('100ms (s|)', { s: 'stopped' });
      expectObservable(whenState(second.typed, 'connected')).toBe('200ms (c|)', { c: 'connected' });
    });
  });
});
