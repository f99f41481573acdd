import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, MqttError } from '../errors.js';
import { PacketIdAllocator } from './packetIds.js';

type Op = { kind: 'next' } | { kind: 'hold'; id: number } | { kind: 'release'; id: number };

// Ids cluster near the wrap point and near 1 so that skipping and wrapping both happen often.
const arbId = fc.oneof(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 0xfff8, max: 0xffff }));
const arbOp: fc.Arbitrary<Op> = fc.oneof(
  fc.constant<Op>({ kind: 'next' }),
  arbId.map((id): Op => ({ kind: 'hold', id })),
  arbId.map((id): Op => ({ kind: 'release', id })),
);

describe('PacketIdAllocator', () => {
  it('pre-increments from start', () => {
    const ids = new PacketIdAllocator();
    expect([ids.next(), ids.next(), ids.next()]).toEqual([1, 2, 3]);
    expect(new PacketIdAllocator(41).next()).toBe(42);
  });

  it('wraps from 0xffff to 1, never issuing 0', () => {
    const ids = new PacketIdAllocator(0xfffe);
    expect(ids.next()).toBe(0xffff);
    expect(ids.next()).toBe(1);
    expect(new PacketIdAllocator(0xffff).next()).toBe(1);
  });

  it('marks issued ids in use until released', () => {
    const ids = new PacketIdAllocator();
    const id = ids.next();
    expect(ids.isInUse(id)).toBe(true);
    expect(ids.inUse).toBe(1);
    ids.release(id);
    expect(ids.isInUse(id)).toBe(false);
    expect(ids.inUse).toBe(0);
    ids.release(id); // a duplicate ack is harmless
    expect(ids.inUse).toBe(0);
  });

  it('skips held ids, including across the wrap', () => {
    const ids = new PacketIdAllocator(0xfffe);
    ids.hold(0xffff);
    ids.hold(1);
    ids.hold(1); // idempotent
    expect(ids.inUse).toBe(2);
    expect(ids.next()).toBe(2);
  });

  it('throws QUEUE_FULL when every id is held, and issues the one id freed', () => {
    const ids = new PacketIdAllocator();
    for (let i = 0; i < 0xffff; i++) ids.next();
    expect(ids.inUse).toBe(0xffff);
    let thrown: unknown;
    try {
      ids.next();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(MqttError);
    expect((thrown as MqttError).code).toBe('QUEUE_FULL');
    ids.release(777);
    expect(ids.next()).toBe(777);
  });

  it('rejects ids and starts that are not 16-bit packet ids', () => {
    for (const bad of [0, -1, 0x10000, 1.5, Number.NaN]) {
      expect(() => new PacketIdAllocator().hold(bad)).toThrow(InvalidArgumentError);
      expect(() => new PacketIdAllocator().release(bad)).toThrow(InvalidArgumentError);
      expect(new PacketIdAllocator().isInUse(bad)).toBe(false);
    }
    for (const bad of [-1, 0x10000, 2.5])
      expect(() => new PacketIdAllocator(bad)).toThrow(InvalidArgumentError);
  });

  it('always issues the first free id after the last one, never 0 and never one in use', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff }), fc.array(arbOp, { maxLength: 60 }), (start, ops) => {
        const ids = new PacketIdAllocator(start);
        const model = new Set<number>();
        let last = start;
        for (const op of ops) {
          if (op.kind === 'hold') {
            ids.hold(op.id);
            model.add(op.id);
          } else if (op.kind === 'release') {
            ids.release(op.id);
            model.delete(op.id);
          } else {
            let expected = last;
            do expected = (expected % 0xffff) + 1;
            while (model.has(expected));
            const id = ids.next();
            expect(id).toBe(expected);
            expect(id).toBeGreaterThanOrEqual(1);
            expect(id).toBeLessThanOrEqual(0xffff);
            model.add(id);
            last = id;
          }
          expect(ids.inUse).toBe(model.size);
        }
        for (const id of model) expect(ids.isInUse(id)).toBe(true);
      }),
    );
  });
});
