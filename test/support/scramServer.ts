/**
 * The broker's half of SCRAM-SHA-256 (RFC 5802, RFC 7677), for scripted brokers: it checks the
 * client's proof and signs its server-final message. Test support: node:crypto is fine here.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

/** One server-side exchange. */
export interface ScramServerExchange {
  /** The server-first message answering the client-first one. */
  first(clientFirst: Buffer): Buffer;
  /** The server-final message (`v=...`) when the proof verifies, else null. */
  final(clientFinal: Buffer): Buffer | null;
}

/** A SCRAM-SHA-256 server knowing one user's password. */
export function scramServer(options: {
  username: string;
  password: string;
  salt?: Buffer;
  iterations?: number;
  serverNonce?: string;
}): () => ScramServerExchange {
  const salt = options.salt ?? randomBytes(16);
  const iterations = options.iterations ?? 4096;
  const salted = pbkdf2Sync(options.password, salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return () => {
    let bare = '';
    let serverFirst = '';
    return {
      first(clientFirst) {
        const text = clientFirst.toString();
        bare = text.slice(3); // after the gs2 header "n,,"
        const cnonce = /r=([^,]*)/.exec(bare)?.[1] ?? '';
        const nonce = cnonce + (options.serverNonce ?? randomBytes(12).toString('base64'));
        serverFirst = `r=${nonce},s=${salt.toString('base64')},i=${iterations}`;
        return Buffer.from(serverFirst);
      },
      final(clientFinal) {
        const text = clientFinal.toString();
        const cut = text.lastIndexOf(',p=');
        const withoutProof = text.slice(0, cut);
        const proof = Buffer.from(text.slice(cut + 3), 'base64');
        const user = /n=([^,]*)/.exec(bare)?.[1];
        const authMessage = `${bare},${serverFirst},${withoutProof}`;
        const signature = createHmac('sha256', storedKey).update(authMessage).digest();
        const key = Buffer.from(proof.map((b, i) => b ^ (signature[i] as number)));
        const ok =
          user === options.username &&
          key.length === 32 &&
          timingSafeEqual(createHash('sha256').update(key).digest(), storedKey);
        if (!ok) return null;
        return Buffer.from(`v=${createHmac('sha256', serverKey).update(authMessage).digest('base64')}`);
      },
    };
  };
}
