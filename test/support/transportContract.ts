/**
 * The transport contract (spec R73-R74) as one suite that every transport runs: a subject gives a
 * factory and a peer server speaking its wire format (TCP, TLS, WebSocket); the suite checks the
 * callback order, exactly-once close, data in order both ways, and one live transport at a time
 * under the real client.
 */
import { describe, expect, it } from 'vitest';
import { MqttClient } from '../../adapters/node.js';
import type { ErrorData } from '../../errors.js';
import type { Transport, TransportFactory, TransportHandlers, TransportTarget } from '../../runtime/ports.js';
import { useCleanups } from './cleanups.js';
import { waitForClientEvent } from './clientEvents.js';

/** The server side of one accepted connection. */
export interface PeerConnection {
  /** Sends bytes to the client (one write / one binary frame). */
  send(bytes: Uint8Array): void;
  /** Resolves with the first `n` bytes the client sent (waits for them). */
  received(n: number): Promise<Uint8Array>;
  /** Closes gracefully from the server side. */
  end(): void;
  /** Drops the connection abruptly. */
  destroy(): void;
  /** Resolves when the connection is gone on the server side. */
  readonly closed: Promise<void>;
}

/** A listening peer. */
export interface ContractPeer {
  readonly target: TransportTarget;
  /** Resolves with the next connection the peer accepts. */
  accept(): Promise<PeerConnection>;
  close(): Promise<void>;
}

/** What a transport brings to the contract suite. */
export interface ContractSubject {
  readonly name: string;
  readonly factory: TransportFactory;
  startPeer(): Promise<ContractPeer>;
  /** A target where nothing listens. */
  refusedTarget(): Promise<TransportTarget>;
  /**
   * Whether the transport offers the optional flow-control port (`needsDrain`, `onDrain`,
   * `whenFlushed`, spec R54-R55); without it, the runtime's fallback applies. @default false
   */
  readonly flowControl?: boolean;
}

type Kind = 'open' | 'data' | 'error' | 'close';

/** Handlers that record every callback, and let a test wait for one. */
export function recorder() {
  const kinds: Kind[] = [];
  const chunks: Uint8Array[] = [];
  const errors: ErrorData[] = [];
  let wake: (() => void) | undefined;
  const push = (kind: Kind) => {
    kinds.push(kind);
    wake?.();
  };
  const handlers: TransportHandlers = {
    onOpen: () => push('open'),
    onData: (chunk) => {
      chunks.push(Uint8Array.from(chunk));
      push('data');
    },
    onError: (error) => {
      errors.push(error);
      push('error');
    },
    onClose: () => push('close'),
  };
  const until = async (done: () => boolean, what: string): Promise<void> => {
    const deadline = Date.now() + 5000;
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; saw ${kinds.join(' ')}`);
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, 50);
      });
    }
  };
  return {
    kinds,
    errors,
    handlers,
    bytes: () => Buffer.concat(chunks),
    when: (kind: Kind) => until(() => kinds.includes(kind), kind),
    bytesAtLeast: (n: number) => until(() => Buffer.concat(chunks).length >= n, `${n} bytes`),
    /** The R73 grammar: `open data*`, then at most one error, then exactly one close. */
    lawful: () => /^(?:open(?: data)* )?(?:error )?close$/.test(kinds.join(' ')),
  };
}

/** Lets pending I/O run, to see that nothing more arrives. */
const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 30));

const CONNACK = Uint8Array.from([0x20, 0x02, 0x00, 0x00]);

/** Runs the shared contract suite for one transport. */
export function transportContract(subject: ContractSubject): void {
  const defer = useCleanups();
  const peer = async () => {
    const p = await subject.startPeer();
    defer(() => p.close());
    return p;
  };
  const open = (target: TransportTarget, rec: ReturnType<typeof recorder>): Transport => {
    const transport = subject.factory(target, rec.handlers);
    defer(() => transport.destroy());
    return transport;
  };

  describe(`transport contract: ${subject.name} (R73-R74)`, () => {
    it('opens, carries bytes both ways in order, and end() flushes before the one close', async () => {
      const p = await peer();
      const rec = recorder();
      const accepted = p.accept();
      const t = open(p.target, rec);
      expect(rec.kinds).toEqual([]); // never a callback inside the factory call
      await rec.when('open');
      const conn = await accepted;
      const out = Buffer.from('0123456789abcdefghij');
      t.write(out.subarray(0, 5));
      t.write(out.subarray(5, 12));
      t.write(out.subarray(12));
      expect((await conn.received(out.length)).toString()).toBe(out.toString());
      conn.send(Buffer.from('hello '));
      conn.send(Buffer.from('world'));
      await rec.bytesAtLeast(11);
      expect(rec.bytes().toString()).toBe('hello world');
      t.write(Buffer.from('last words'));
      t.end();
      expect(t.write(Buffer.from('too late'))).toBe(false);
      expect(
        Buffer.from(await conn.received(out.length + 10))
          .subarray(out.length)
          .toString(),
      ).toBe('last words');
      conn.end();
      await rec.when('close');
      await settle();
      expect(rec.kinds.filter((k) => k === 'close')).toHaveLength(1);
      expect(rec.kinds).not.toContain('error');
      expect(rec.lawful()).toBe(true);
      expect(t.bufferedBytes).toBe(0);
    });

    it('reports a refused connection as one error, then one close, and never opens', async () => {
      const rec = recorder();
      open(await subject.refusedTarget(), rec);
      expect(rec.kinds).toEqual([]);
      await rec.when('close');
      await settle();
      expect(rec.kinds).toEqual(['error', 'close']);
      expect(rec.errors[0]).toMatchObject({ code: 'TRANSPORT_ERROR' });
      expect(rec.errors[0]?.reason).toBeDefined();
    });

    it.each(['end', 'destroy'] as const)(
      'closes once when the peer ends the connection (%s)',
      async (how) => {
        const p = await peer();
        const rec = recorder();
        const accepted = p.accept();
        const t = open(p.target, rec);
        await rec.when('open');
        const conn = await accepted;
        conn.send(Buffer.from('x'));
        await rec.bytesAtLeast(1);
        conn[how]();
        await rec.when('close');
        t.end();
        t.destroy();
        await settle();
        expect(rec.kinds.filter((k) => k === 'close')).toHaveLength(1);
        expect(rec.lawful()).toBe(true);
        expect(t.write(Buffer.from('y'))).toBe(false);
      },
    );

    it('destroy() while open gives only the one close, and nothing after it', async () => {
      const p = await peer();
      const rec = recorder();
      const accepted = p.accept();
      const t = open(p.target, rec);
      await rec.when('open');
      const conn = await accepted;
      t.write(Buffer.from('dropped or not'));
      t.destroy();
      t.destroy();
      conn.send(Buffer.from('ignored'));
      await rec.when('close');
      await conn.closed;
      await settle();
      expect(rec.kinds).toEqual(['open', 'close']);
      expect(t.bufferedBytes).toBe(0);
      expect(t.write(Buffer.from('z'))).toBe(false);
    });

    it.each(['end', 'destroy'] as const)(
      '%s() while connecting never opens, gets no data, closes once',
      async (how) => {
        const p = await peer();
        const rec = recorder();
        // A peer that speaks first: its bytes must not reach a transport that never opened.
        void p.accept().then((conn) => conn.send(Buffer.from('hello')));
        const t = open(p.target, rec);
        t[how]();
        await rec.when('close');
        await settle();
        expect(rec.kinds).toEqual(['close']);
      },
    );

    it(
      subject.flowControl
        ? 'whenFlushed says when bytes are handed over; past the high-water mark, needsDrain until onDrain (R54-R55)'
        : 'leaves out the flow-control port, so the runtime falls back to counting writes (R54-R55)',
      async () => {
        const p = await peer();
        const rec = recorder();
        const accepted = p.accept();
        let drained: () => void = () => {};
        const drain = new Promise<void>((resolve) => {
          drained = resolve;
        });
        const t = subject.factory(p.target, { ...rec.handlers, onDrain: () => drained() });
        defer(() => t.destroy());
        await rec.when('open');
        const conn = await accepted;
        if (!subject.flowControl) {
          expect(t.needsDrain).toBeUndefined();
          expect(t.whenFlushed).toBeUndefined();
          return;
        }
        const flushed = (): Promise<boolean> => new Promise((resolve) => t.whenFlushed?.(resolve));
        t.write(Buffer.from('small'));
        expect(t.needsDrain).toBe(false);
        expect(await flushed()).toBe(true);
        // Written in one synchronous run until a write reports the mark (the kernel may take megabytes first).
        const chunk = Buffer.alloc(1024 * 1024, 7);
        let total = 5;
        for (let full = false; !full; total += chunk.length) {
          expect(total).toBeLessThan(256 * chunk.length);
          full = !t.write(chunk);
        }
        expect(t.needsDrain).toBe(true);
        const bigFlushed = flushed();
        // The peer reads everything, so the transport drains below its mark.
        expect((await conn.received(total)).length).toBe(total);
        await drain;
        expect(t.needsDrain).toBe(false);
        expect(await bigFlushed).toBe(true);
        t.destroy();
        expect(await flushed()).toBe(false);
      },
    );

    if (subject.flowControl) {
      it('the mark reached by small writes in one run, which the socket then takes at once: onDrain still follows (R55)', async () => {
        const p = await peer();
        const rec = recorder();
        const accepted = p.accept();
        let drains = 0;
        let drained: () => void = () => {};
        const drain = new Promise<void>((resolve) => {
          drained = resolve;
        });
        const t = subject.factory(p.target, {
          ...rec.handlers,
          onDrain: () => {
            drains++;
            drained();
          },
        });
        defer(() => t.destroy());
        await rec.when('open');
        const conn = await accepted;
        // 1 KB packets (below the copy limit) batch in the transport's own buffer: it reports the
        // mark before any socket write, and the kernel has room for the whole batch.
        const packet = Buffer.alloc(1024, 9);
        let total = 0;
        for (let full = false; !full; total += packet.length) {
          expect(total).toBeLessThan(1024 * 1024);
          full = !t.write(packet);
        }
        expect(t.needsDrain).toBe(true);
        expect((await conn.received(total)).length).toBe(total);
        await drain;
        expect(drains).toBe(1);
        expect(t.needsDrain).toBe(false);
      });
    }

    it('keeps one live transport at a time under the client, through a drop and a reconnect', async () => {
      const p = await peer();
      const live: { ended: boolean }[] = [];
      let overlap = false;
      const factory: TransportFactory = (target, handlers) => {
        if (live.some((x) => !x.ended)) overlap = true;
        const entry = { ended: false };
        live.push(entry);
        const t = subject.factory(target, {
          ...handlers,
          onClose: () => {
            entry.ended = true;
            handlers.onClose();
          },
        });
        return {
          write: (b) => t.write(b),
          get bufferedBytes() {
            return t.bufferedBytes;
          },
          end: () => {
            entry.ended = true;
            t.end();
          },
          destroy: () => {
            entry.ended = true;
            t.destroy();
          },
        };
      };
      const serve = async () => {
        const conn = await p.accept();
        await conn.received(2);
        conn.send(CONNACK);
        return conn;
      };
      // A transport target names its scheme `scheme`; a server names it `protocol` (R338).
      const { scheme, ...target } = p.target;
      const client = new MqttClient({
        servers: [{ ...target, protocol: scheme, transport: factory, minDelayMs: 10, maxDelayMs: 20 }],
        keepAliveSec: 0,
      });
      defer(() => client.disconnect());
      const first = serve();
      const up = waitForClientEvent(client, 'connected');
      client.connect();
      await up;
      const again = waitForClientEvent(client, 'connected');
      const second = serve();
      (await first).destroy();
      await again;
      await second;
      expect(live).toHaveLength(2);
      expect(overlap).toBe(false);
    });
  });
}
