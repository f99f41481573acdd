/**
 * Recovery of a session log against a model (docs/spec.md R100-R107): for any sequence of session
 * events, compactions included, and any crash point (a prefix of the log's bytes, or that prefix
 * plus a torn record: cut short, zero-filled or garbled), recovery yields exactly the pending set
 * the model predicts, never a misread record; damage before the last record is refused.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodePublish, encodeTopic, type QoS } from '../protocol/encode.js';
import { attachStore, type SessionLog } from '../protocol/sessionLog.js';
import type { SessionStore, StoreRecord } from '../protocol/store.js';
import { decodeLog, encodeHeader, encodeRecord, LogFormatError } from '../protocol/storeCodec.js';
import { recover } from '../protocol/storeImage.js';

type Op =
  | { readonly op: 'publish'; readonly qos: 1 | 2; readonly topic: string; readonly payload: Uint8Array }
  | { readonly op: 'send' | 'ack' | 'drop'; readonly pick: number }
  | { readonly op: 'inbound' | 'release'; readonly id: number }
  | { readonly op: 'forget' | 'compact' }
  | { readonly op: 'subscribe'; readonly filter: string; readonly qos: QoS }
  | { readonly op: 'unsubscribe'; readonly filter: string };

const filters = fc.constantFrom('a', 'a/+', 'b/#', '#');
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant('publish' as const),
      qos: fc.constantFrom(1 as const, 2 as const),
      topic: fc.constantFrom('t', 'x/y', 'é/ü'),
      payload: fc.uint8Array({ maxLength: 40 }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ op: fc.constantFrom('send' as const, 'ack' as const), pick: fc.nat() }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('drop' as const), pick: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constantFrom('inbound' as const, 'release' as const),
      id: fc.integer({ min: 1, max: 6 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constantFrom('forget' as const, 'compact' as const) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('subscribe' as const),
      filter: filters,
      qos: fc.constantFrom<QoS>(0, 1, 2),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('unsubscribe' as const), filter: filters }) },
);

/** The model: what a session owes, as plain arrays. */
interface ModelMessage {
  readonly id: number;
  readonly qos: 1 | 2;
  state: 'queued' | 'sent' | 'pubrec';
  readonly packet: Uint8Array;
}
interface Model {
  messages: ModelMessage[];
  inbound: number[];
  subscriptions: [string, QoS][];
}

/** A store whose "file" is an array of byte chunks; `compact` rewrites it, like the file store. */
class BytesStore implements SessionStore {
  chunks: Uint8Array[] = [encodeHeader()];
  compactNext = false;
  readBack(): readonly StoreRecord[] {
    return [];
  }
  append(record: StoreRecord): boolean {
    this.chunks.push(encodeRecord(record));
    const want = this.compactNext;
    this.compactNext = false;
    return want;
  }
  compact(live: readonly StoreRecord[]): void {
    this.chunks = [encodeHeader(), ...live.map(encodeRecord)];
  }
  bytes(): Uint8Array {
    return Buffer.concat(this.chunks);
  }
}

/** One crash point: the bytes on disk after some event, and what the model says they hold. */
interface Point {
  readonly bytes: Uint8Array;
  readonly expected: string;
}

const describeModel = (m: Model): string =>
  JSON.stringify({
    messages: m.messages.map((x) => [
      x.id,
      x.qos,
      x.state,
      x.state === 'pubrec' ? '' : Buffer.from(x.packet).toString('hex'),
    ]),
    inbound: [...m.inbound].sort((a, b) => a - b),
    subscriptions: m.subscriptions,
  });

const describeImage = (records: StoreRecord[]): string => {
  const image = recover(records);
  return JSON.stringify({
    messages: [...image.messages.values()].map((x) => [
      x.packetId,
      x.qos,
      x.state,
      x.state === 'pubrec' ? '' : Buffer.from(x.packet).toString('hex'),
    ]),
    inbound: [...image.inbound].sort((a, b) => a - b),
    subscriptions: [...image.subscriptions],
  });
};

/** Runs `ops` through a SessionLog on a BytesStore and the model side by side; one point per event. */
async function run(ops: readonly Op[]): Promise<Point[]> {
  const store = new BytesStore();
  const log: SessionLog = attachStore(store, {
    restoreOutbound: () => {},
    restoreInbound: () => {},
    restoreSubscription: () => {},
  });
  const model: Model = { messages: [], inbound: [], subscriptions: [] };
  const points: Point[] = [{ bytes: store.bytes(), expected: describeModel(model) }];
  const pick = <T>(xs: T[], n: number): T | undefined => (xs.length === 0 ? undefined : xs[n % xs.length]);
  for (const o of ops) {
    switch (o.op) {
      case 'publish': {
        let id = 1;
        while (model.messages.some((m) => m.id === id)) id++;
        const packet = encodePublish(
          encodeTopic(o.topic),
          o.payload,
          o.qos,
          false,
          false,
          id,
          o.payload.length,
        );
        model.messages.push({ id, qos: o.qos, state: 'queued', packet });
        log.accepted(id, packet);
        break;
      }
      case 'send': {
        const m = pick(
          model.messages.filter((x) => x.state === 'queued'),
          o.pick,
        );
        if (m === undefined) continue;
        m.state = 'sent';
        log.sent(m.id);
        break;
      }
      case 'ack': {
        const m = pick(
          model.messages.filter((x) => x.state !== 'queued'),
          o.pick,
        );
        if (m === undefined) continue;
        if (m.state === 'sent' && m.qos === 2) {
          m.state = 'pubrec';
          log.pubrec(m.id);
        } else {
          model.messages = model.messages.filter((x) => x !== m);
          log.complete(m.id);
        }
        break;
      }
      case 'drop': {
        const m = pick(model.messages, o.pick);
        if (m === undefined) continue;
        model.messages = model.messages.filter((x) => x !== m);
        log.drop(m.id);
        break;
      }
      case 'inbound':
        if (!model.inbound.includes(o.id)) model.inbound.push(o.id);
        log.inbound(o.id);
        break;
      case 'release':
        model.inbound = model.inbound.filter((x) => x !== o.id);
        log.release(o.id);
        break;
      case 'forget':
        model.inbound = [];
        log.forget();
        break;
      case 'subscribe': {
        const at = model.subscriptions.findIndex(([f]) => f === o.filter);
        if (at >= 0) model.subscriptions[at] = [o.filter, o.qos];
        else model.subscriptions.push([o.filter, o.qos]);
        log.subscribe(o.filter, o.qos);
        break;
      }
      case 'unsubscribe':
        model.subscriptions = model.subscriptions.filter(([f]) => f !== o.filter);
        log.unsubscribe(o.filter);
        break;
      case 'compact':
        // The next record asks for compaction; it runs after the current step (a microtask).
        store.compactNext = true;
        continue;
    }
    await Promise.resolve();
    points.push({ bytes: store.bytes(), expected: describeModel(model) });
  }
  return points;
}

const torn = fc.oneof(
  fc.constant({ kind: 'none' as const }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('zeros' as const), at: fc.nat(), extra: fc.nat({ max: 64 }) }),
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat({ max: 7 }) }),
);

describe('session log recovery against a model (R100-R107)', () => {
  it('recovery is a fold: exactly the pending set of any prefix of events, with or without a torn record after it (R101)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { maxLength: 60 }), fc.nat(), torn, async (ops, crashAt, tear) => {
        const points = await run(ops);
        const k = crashAt % points.length;
        const point = points[k] as Point;
        let bytes = point.bytes;
        const next = points[k + 1]?.bytes;
        // The record written after the crash point, when the next event appended one.
        const frame =
          next !== undefined &&
          next.length > bytes.length &&
          Buffer.from(next.subarray(0, bytes.length)).equals(bytes)
            ? next.subarray(bytes.length)
            : undefined;
        if (frame !== undefined && tear.kind !== 'none') {
          const partial = Uint8Array.from(frame);
          if (tear.kind === 'cut')
            bytes = Buffer.concat([bytes, partial.subarray(0, tear.at % frame.length)]);
          else if (tear.kind === 'zeros') {
            partial.fill(0, tear.at % frame.length);
            bytes = Buffer.concat([bytes, partial, new Uint8Array(tear.extra)]);
          } else {
            const at = tear.at % frame.length;
            partial[at] = (partial[at] as number) ^ (1 << tear.bit);
            bytes = Buffer.concat([bytes, partial]);
          }
        }
        if (
          frame !== undefined &&
          tear.kind === 'flip' &&
          tear.at % frame.length >= 4 &&
          tear.at % frame.length < 12
        ) {
          // A garbled length cannot be told from damage: refused, never misread.
          expect(() => decodeLog(bytes)).toThrow(LogFormatError);
          return;
        }
        const decoded = decodeLog(bytes);
        expect(decoded.validBytes).toBe(point.bytes.length);
        expect(describeImage(decoded.records)).toBe(point.expected);
      }),
      { numRuns: 300 },
    );
  });

  it('compaction preserves what recovery yields: the live records rebuild the same state', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { maxLength: 60 }), async (ops) => {
        const points = await run(ops);
        const last = points.at(-1) as Point;
        const records = decodeLog(last.bytes).records;
        const live = recover(records).records();
        expect(describeImage(live)).toBe(last.expected);
        // Live records are bounded by what is pending: one or two per message, one per id or filter.
        const image = recover(records);
        expect(live.length).toBeLessThanOrEqual(
          2 * image.messages.size + image.inbound.size + image.subscriptions.size,
        );
      }),
      { numRuns: 200 },
    );
  });

  it('refuses damage before the last record (one flipped bit anywhere) instead of misreading it', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(opArb, { minLength: 2, maxLength: 40 }),
        fc.nat(),
        fc.nat({ max: 7 }),
        async (ops, where, bit) => {
          const bytes = Uint8Array.from((await run(ops)).at(-1)?.bytes ?? []);
          const frames = decodeLog(bytes);
          if (frames.records.length < 2) return;
          // Somewhere from the header to the start of the last frame.
          const lastFrame = encodeRecord(frames.records.at(-1) as StoreRecord).length;
          const at = where % (bytes.length - lastFrame);
          bytes[at] = (bytes[at] as number) ^ (1 << bit);
          expect(() => decodeLog(bytes)).toThrow(LogFormatError);
        },
      ),
      { numRuns: 300 },
    );
  });
});
