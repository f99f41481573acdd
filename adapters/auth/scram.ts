/**
 * SCRAM-SHA-256 (RFC 7677, RFC 5802) as an MQTT 5 enhanced authentication method (spec R318):
 * client-first in the CONNECT, client-final in answer to the broker's AUTH 0x18, and the broker's
 * server-final (in the CONNACK or AUTH 0x00) checked before the session is trusted. Built on
 * WebCrypto (`globalThis.crypto.subtle`: PBKDF2, HMAC, SHA-256), so it runs in Node 20, browsers,
 * Bun and Deno alike. No channel binding (gs2 header `n,,`).
 *
 * @module
 */
import { InvalidArgumentError, ProtocolViolationError } from '../../errors.js';
import type { AuthExchange, AuthMethod } from '../../runtime/auth.js';

/** The Authentication Method name SCRAM-SHA-256 goes by. */
export const SCRAM_SHA_256 = 'SCRAM-SHA-256';

/** DISCONNECT 0x80 Unspecified error: what the client sends when the broker fails to prove itself. */
const UNSPECIFIED_ERROR = 0x80;

/** Options of {@link scramSha256}. */
export interface ScramOptions {
  /** The user name (escaped per RFC 5802: `=` as `=3D`, `,` as `=2C`). */
  readonly username: string;
  /** The password, normalised with NFKC (a close approximation of SASLprep, RFC 4013). */
  readonly password: string;
  /**
   * Makes the client nonce (printable ASCII without `,`). For tests (RFC 7677's vector).
   * @default 24 random bytes from `crypto.getRandomValues`, base64
   */
  readonly nonce?: () => string;
  /** The method name put in CONNECT and checked on every AUTH. @default 'SCRAM-SHA-256' */
  readonly method?: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Base64 of `bytes` (btoa: in every runtime). */
export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

const subtle = (): typeof globalThis.crypto.subtle => {
  const s = globalThis.crypto?.subtle;
  if (s === undefined)
    throw new InvalidArgumentError('SCRAM-SHA-256 needs WebCrypto (globalThis.crypto.subtle)');
  return s;
};

async function hmac(key: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
  const k = await subtle().importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return new Uint8Array(await subtle().sign('HMAC', k, data));
}

async function pbkdf2(password: Uint8Array, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  const k = await subtle().importKey('raw', password, 'PBKDF2', false, ['deriveBits']);
  const bits = await subtle().deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations }, k, 256);
  return new Uint8Array(bits);
}

const sha256 = async (data: Uint8Array): Promise<Uint8Array> =>
  new Uint8Array(await subtle().digest('SHA-256', data));

const xor = (a: Uint8Array, b: Uint8Array): Uint8Array => a.map((x, i) => x ^ (b[i] as number));

/** `a,b=c,...` attributes of a SCRAM message, by their one-letter name. */
function attributes(message: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of message.split(',')) {
    const eq = part.indexOf('=');
    if (eq === 1) out.set(part.slice(0, 1), part.slice(2));
  }
  return out;
}

const refused = (why: string): ProtocolViolationError =>
  new ProtocolViolationError(UNSPECIFIED_ERROR, `SCRAM-SHA-256: ${why}`);

const saslName = (name: string): string => name.normalize('NFKC').replace(/=/g, '=3D').replace(/,/g, '=2C');

function randomNonce(): string {
  const bytes = new Uint8Array(24);
  globalThis.crypto.getRandomValues(bytes);
  return toBase64(bytes);
}

/** Iteration count bounds accepted from a broker: RFC 7677 asks for at least 4096; the top bounds the work. */
const MIN_ITERATIONS = 4096;
const MAX_ITERATIONS = 1_000_000;

/** One SCRAM exchange: client-first made at once, client-final on the server-first, then the check. */
class ScramExchange implements AuthExchange {
  readonly data: Uint8Array;
  readonly #bare: string;
  readonly #nonce: string;
  #expected: string | undefined;

  constructor(
    private readonly password: string,
    username: string,
    nonce: string,
  ) {
    this.#nonce = nonce;
    this.#bare = `n=${saslName(username)},r=${nonce}`;
    this.data = encoder.encode(`n,,${this.#bare}`);
  }

  async step(serverData: Uint8Array | undefined): Promise<Uint8Array> {
    if (this.#expected !== undefined) throw refused('a second server-first message');
    if (serverData === undefined) throw refused('AUTH without the server-first message');
    const serverFirst = decoder.decode(serverData);
    const a = attributes(serverFirst);
    const nonce = a.get('r');
    const salt = a.get('s');
    const iterations = Number(a.get('i'));
    if (a.has('m')) throw refused('a mandatory extension it does not know');
    if (nonce === undefined || !nonce.startsWith(this.#nonce) || nonce.length === this.#nonce.length)
      throw refused("the server nonce does not extend the client's");
    if (salt === undefined || salt === '') throw refused('no salt');
    if (!Number.isInteger(iterations) || iterations < MIN_ITERATIONS || iterations > MAX_ITERATIONS)
      throw refused(`iteration count ${a.get('i')} outside ${MIN_ITERATIONS}..${MAX_ITERATIONS}`);
    const salted = await pbkdf2(
      encoder.encode(this.password.normalize('NFKC')),
      fromBase64(salt),
      iterations,
    );
    const clientKey = await hmac(salted, encoder.encode('Client Key'));
    const storedKey = await sha256(clientKey);
    const withoutProof = `c=biws,r=${nonce}`;
    const authMessage = encoder.encode(`${this.#bare},${serverFirst},${withoutProof}`);
    const clientSignature = await hmac(storedKey, authMessage);
    const serverKey = await hmac(salted, encoder.encode('Server Key'));
    this.#expected = toBase64(await hmac(serverKey, authMessage));
    return encoder.encode(`${withoutProof},p=${toBase64(xor(clientKey, clientSignature))}`);
  }

  finish(serverData: Uint8Array | undefined): void {
    if (this.#expected === undefined) throw refused('success before the client proved itself');
    if (serverData === undefined) throw refused('success without the server-final message');
    const a = attributes(decoder.decode(serverData));
    const error = a.get('e');
    if (error !== undefined) throw refused(`the server says ${error}`);
    if (a.get('v') !== this.#expected) throw refused('the server signature does not verify');
  }
}

/**
 * SCRAM-SHA-256 for the client's `auth` option (MQTT 5 servers only): the broker learns a proof,
 * never the password, and proves in turn that it knows the salted password.
 * @throws {@link InvalidArgumentError} when the user name or password is empty.
 */
export function scramSha256(options: ScramOptions): AuthMethod {
  if (options.username === '') throw new InvalidArgumentError('SCRAM-SHA-256: username is empty');
  if (options.password === '') throw new InvalidArgumentError('SCRAM-SHA-256: password is empty');
  const makeNonce = options.nonce ?? randomNonce;
  return {
    method: options.method ?? SCRAM_SHA_256,
    start: () => new ScramExchange(options.password, options.username, makeNonce()),
  };
}
