/**
 * Spec R332: the client's per-filter routing holds a filter's only consumer directly and a Set
 * only for two or more, and still delivers in the order filters, then consumers, were added.
 */
import { describe, expect, it } from 'vitest';
import { SubscribeError } from '../errors.js';
import { TopicRoutes } from './topicRoutes.js';
import type { Message, TopicObserver } from './types.js';

const message = (topic: string): Message =>
  ({ topic, payload: new Uint8Array(), qos: 0, retain: false }) as Message;

function recorder(name: string, log: string[]): TopicObserver {
  return { next: (m) => log.push(`${name}:${m.topic}`), error: (e) => log.push(`${name}!${e.code}`) };
}

describe('TopicRoutes (R332)', () => {
  it('R332: the first consumer subscribes, the last one out unsubscribes; a repeat is held once', () => {
    const routes = new TopicRoutes(() => {});
    const log: string[] = [];
    const a = recorder('a', log);
    const b = recorder('b', log);
    expect(routes.add('s/+', a)).toBe(true);
    expect(routes.add('s/+', a)).toBe(false);
    expect(routes.add('s/+', b)).toBe(false);
    routes.deliver(message('s/1'));
    expect(log).toEqual(['a:s/1', 'b:s/1']);
    expect(routes.remove('s/+', a)).toBe(false);
    expect(routes.remove('s/+', a)).toBe(false);
    expect(routes.has('s/+')).toBe(true);
    expect(routes.remove('s/+', b)).toBe(true);
    expect(routes.has('s/+')).toBe(false);
    expect(routes.size).toBe(0);
    routes.deliver(message('s/1'));
    expect(log).toEqual(['a:s/1', 'b:s/1']);
  });

  it('R332: delivery goes by the order filters were added, then consumers; a throw reaches no other', () => {
    const thrown: unknown[] = [];
    const routes = new TopicRoutes((t) => thrown.push(t));
    const log: string[] = [];
    routes.add('x/#', recorder('hash1', log));
    routes.add('x/y', recorder('exact', log));
    routes.add('x/#', {
      next: () => {
        throw new Error('boom');
      },
      error: () => {},
    });
    routes.add('x/#', recorder('hash3', log));
    routes.add('+/y', recorder('plus', log));
    routes.deliver(message('x/y'));
    expect(log).toEqual(['hash1:x/y', 'hash3:x/y', 'exact:x/y', 'plus:x/y']);
    expect(thrown).toHaveLength(1);
  });

  it('R332: a refusal errors every consumer of that filter only', () => {
    const routes = new TopicRoutes(() => {});
    const log: string[] = [];
    routes.add('a', recorder('a1', log));
    routes.add('a', recorder('a2', log));
    routes.add('b', recorder('b1', log));
    routes.refuse('a', new SubscribeError('a'));
    routes.refuse('zzz', new SubscribeError('zzz'));
    const { code } = new SubscribeError('a');
    expect(log).toEqual([`a1!${code}`, `a2!${code}`]);
  });

  it('R332: an invalid filter throws and is not held', () => {
    const routes = new TopicRoutes(() => {});
    expect(() => routes.add('a/#/b', recorder('x', []))).toThrow();
    expect(routes.has('a/#/b')).toBe(false);
  });
});
