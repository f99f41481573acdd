import { describe, expect, it } from 'vitest';
import { scramServer } from '../../test/support/scramServer.js';
import { scramSha256 } from './scram.js';

const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

// RFC 7677 section 3: user "user", password "pencil", 4096 iterations.
const CLIENT_FIRST = 'n,,n=user,r=rOprNGfwEbeRWgbNEkqO';
const SERVER_FIRST = 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096';
const CLIENT_FINAL =
  'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=';
const SERVER_FINAL = 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=';

const vector = () =>
  scramSha256({ username: 'user', password: 'pencil', nonce: () => 'rOprNGfwEbeRWgbNEkqO' });

describe('SCRAM-SHA-256 over WebCrypto (R318)', () => {
  it("R318: reproduces RFC 7677's test vector, message by message, and accepts its server signature", async () => {
    const method = vector();
    expect(method.method).toBe('SCRAM-SHA-256');
    const exchange = method.start();
    expect(text(exchange.data as Uint8Array)).toBe(CLIENT_FIRST);
    expect(text(await exchange.step(bytes(SERVER_FIRST)))).toBe(CLIENT_FINAL);
    expect(() => exchange.finish(bytes(SERVER_FINAL))).not.toThrow();
  });

  it('R318: a server signature that does not verify, a server error, or no server-final is refused with a typed error (DISCONNECT 0x80)', async () => {
    for (const final of ['v=AAAA', 'e=invalid-proof', undefined]) {
      const exchange = vector().start();
      await exchange.step(bytes(SERVER_FIRST));
      expect(() => exchange.finish(final === undefined ? undefined : bytes(final))).toThrow(
        expect.objectContaining({ code: 'PROTOCOL_ERROR', reasonCode: 0x80 }),
      );
    }
  });

  it.each([
    ['a nonce that does not extend the client one', 'r=other,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096'],
    ['a nonce equal to the client one', 'r=rOprNGfwEbeRWgbNEkqO,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096'],
    ['too few iterations', 'r=rOprNGfwEbeRWgbNEkqOx,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=1'],
    ['no salt', 'r=rOprNGfwEbeRWgbNEkqOx,i=4096'],
    ['a mandatory extension', 'm=ext,r=rOprNGfwEbeRWgbNEkqOx,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096'],
  ])('R318: a server-first with %s is refused before any key is derived', async (_what, first) => {
    await expect(vector().start().step(bytes(first))).rejects.toMatchObject({ reasonCode: 0x80 });
  });

  it('R318: success before the client proved itself is refused; empty credentials are a typed error', () => {
    expect(() => vector().start().finish(bytes(SERVER_FINAL))).toThrow(/before the client proved itself/);
    expect(() => scramSha256({ username: '', password: 'x' })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
  });

  it('R318: agrees with an independent server (node:crypto) on random nonces, and the wrong password fails there', async () => {
    const server = scramServer({ username: 'alice', password: 'secret' });
    for (const [password, ok] of [
      ['secret', true],
      ['wrong', false],
    ] as const) {
      const client = scramSha256({ username: 'alice', password }).start();
      const s = server();
      const final = s.final(Buffer.from(await client.step(s.first(Buffer.from(client.data as Uint8Array)))));
      expect(final !== null).toBe(ok);
      if (final !== null) client.finish(final);
    }
  });
});
