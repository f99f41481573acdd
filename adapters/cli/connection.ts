/**
 * What `pub`, `sub` and `watch` share: the connection options, the client built from them, and
 * the wait for the first session (spec R94-R95). Credentials come from options or the environment
 * and are never printed.
 *
 * @module
 */
import { writeFileSync } from 'node:fs';
import type { ParseArgsConfig } from 'node:util';
import {
  MqttClient as Client,
  type MqttClient,
  type MqttClientOptions,
  parseServerUrl,
  type ServerUrl,
  type TlsOptions,
} from '../../index.js';
import { toJsonLines } from '../../machines/journal.js';
import type { ServerConfig } from '../../runtime/options.js';
import { CliError, EXIT, usage } from './exitCodes.js';

/** The environment variables the tool reads, so a password never has to be on the command line. */
export const ENV = { username: 'MQTT_LIFELINE_USERNAME', password: 'MQTT_LIFELINE_PASSWORD' } as const;

/** Options of every command that connects. */
export const CONNECTION_OPTIONS = {
  url: { type: 'string', short: 'L' },
  host: { type: 'string', short: 'h' },
  port: { type: 'string', short: 'p' },
  server: { type: 'string', multiple: true },
  id: { type: 'string', short: 'i' },
  username: { type: 'string', short: 'u' },
  password: { type: 'string', short: 'P' },
  keepalive: { type: 'string', short: 'k' },
  'protocol-version': { type: 'string', short: 'V' },
  'min-delay': { type: 'string' },
  'max-delay': { type: 'string' },
  'connect-timeout': { type: 'string' },
  attempts: { type: 'string' },
  journal: { type: 'string' },
  debug: { type: 'boolean', short: 'd' },
  cafile: { type: 'string' },
  cert: { type: 'string' },
  key: { type: 'string' },
  servername: { type: 'string' },
  alpn: { type: 'string', multiple: true },
  insecure: { type: 'boolean' },
  help: { type: 'boolean' },
} as const satisfies ParseArgsConfig['options'];

/** The parsed values of {@link CONNECTION_OPTIONS}. */
export interface ConnectionValues {
  readonly url?: string;
  readonly host?: string;
  readonly port?: string;
  readonly server?: readonly string[];
  readonly id?: string;
  readonly username?: string;
  readonly password?: string;
  readonly keepalive?: string;
  readonly 'protocol-version'?: string;
  readonly 'min-delay'?: string;
  readonly 'max-delay'?: string;
  readonly 'connect-timeout'?: string;
  readonly attempts?: string;
  readonly journal?: string;
  readonly debug?: boolean;
  readonly cafile?: string;
  readonly cert?: string;
  readonly key?: string;
  readonly servername?: string;
  readonly alpn?: readonly string[];
  readonly insecure?: boolean;
}

/** The help text of {@link CONNECTION_OPTIONS}. */
export const CONNECTION_HELP = `Connection:
  -L, --url URL            broker URL: mqtt://, mqtts:// (TLS), ws://, wss:// (WebSocket), with
                           optional user[:password]@, port and (WebSocket) path
                           (default mqtt://localhost:1883)
  -h, --host HOST          broker host (instead of --url)
  -p, --port PORT          broker port (default 1883)
      --server URL         a failover server after the first (repeat: mqtt1, mqtt2, ...)
  -i, --id ID              client id (default: generated)
  -u, --username NAME      user name (or $${ENV.username})
  -P, --password SECRET    password (better: $${ENV.password}, which ps cannot see); never printed
  -k, --keepalive SEC      keep alive in seconds (default 60)
  -V, --protocol-version V MQTT version: 4 (3.1.1) or 5 (default 4; an mqtt:// URL may say
                           ?protocolVersion=5 for its server)
      --min-delay MS       first retry delay, doubling per failure (default 2000)
      --max-delay MS       largest retry delay before failing over (default 60000)
      --connect-timeout MS deadline for CONNACK (default 30000)
      --attempts N         give up after N failed attempts before the first connection; 0 = never
                           (pub, sub: default once every server failed; watch: default 0)
      --journal FILE       write the statechart's journal (JSON lines) to FILE on exit, for replay
  -d, --debug              trace lifecycle decisions and packets to stderr (as NODE_DEBUG=mqtt-lifeline)

TLS (mqtts:// and wss:// servers):
      --cafile FILE        CA certificates (PEM) to verify the server with (default: Node's roots)
      --cert FILE          client certificate (PEM), for mutual TLS
      --key FILE           its private key (PEM)
      --servername NAME    name sent in SNI and checked in the certificate (default: the host)
      --alpn PROTOCOL      ALPN protocol to offer (repeatable)
      --insecure           accept any server certificate (self-signed test brokers only)`;

/** Parses a whole number option; a bad one is a usage error naming the option. */
export function integer(
  name: string,
  text: string | undefined,
  min: number,
  max: number,
): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || value < min || value > max) {
    throw usage(`--${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(text)}`);
  }
  return value;
}

/** A server from `--url` / `--server`: the library parses it; a bad one is a usage error. */
function serverFromUrl(url: string, option: string): ServerConfig & { readonly parsed: ServerUrl } {
  try {
    return { url, parsed: parseServerUrl(url, option) };
  } catch (error) {
    throw usage((error as Error).message);
  }
}

/** The server ring: the primary (`--url`, or `--host`/`--port`), then each `--server`. */
export function serversFrom(values: ConnectionValues): (ServerConfig & { readonly parsed?: ServerUrl })[] {
  if (values.url !== undefined && (values.host !== undefined || values.port !== undefined)) {
    throw usage('give either --url or --host/--port, not both');
  }
  const primary =
    values.url !== undefined
      ? serverFromUrl(values.url, '--url')
      : values.host !== undefined || values.port !== undefined || values.server === undefined
        ? { host: values.host ?? 'localhost', port: integer('port', values.port, 1, 65535) ?? 1883 }
        : undefined;
  const backups = (values.server ?? []).map((url) => serverFromUrl(url, '--server'));
  return primary === undefined ? backups : [primary, ...backups];
}

/** The TLS settings of the options, if any was given. */
function tlsFrom(values: ConnectionValues): TlsOptions | undefined {
  const tls: TlsOptions = {
    ...(values.cafile !== undefined ? { caFile: values.cafile } : {}),
    ...(values.cert !== undefined ? { certFile: values.cert } : {}),
    ...(values.key !== undefined ? { keyFile: values.key } : {}),
    ...(values.servername !== undefined ? { servername: values.servername } : {}),
    ...(values.alpn !== undefined ? { alpn: values.alpn } : {}),
    ...(values.insecure === true ? { dangerouslySkipVerification: true } : {}),
  };
  return Object.keys(tls).length === 0 ? undefined : tls;
}

const isTls = (url: ServerUrl | undefined): boolean => url?.scheme === 'mqtts' || url?.scheme === 'wss';

/** The client options for `values`; credentials: option, else URL, else environment. */
export function clientOptions(
  values: ConnectionValues,
  env: NodeJS.ProcessEnv,
  stderr: (line: string) => void,
): MqttClientOptions {
  const minDelayMs = integer('min-delay', values['min-delay'], 1, 86_400_000);
  const maxDelayMs = integer('max-delay', values['max-delay'], 1, 86_400_000);
  const tls = tlsFrom(values);
  const ring = serversFrom(values);
  if (tls !== undefined && !ring.some((s) => isTls(s.parsed))) {
    throw usage('TLS options need an mqtts:// or wss:// server');
  }
  const servers = ring.map(({ parsed, ...s }, i) => {
    // A user name or password in the URL wins over the environment, and an option over both.
    const username = values.username ?? (parsed?.username === undefined ? env[ENV.username] : undefined);
    const password = values.password ?? (parsed?.password === undefined ? env[ENV.password] : undefined);
    return {
      ...s,
      name: i === 0 ? 'mqtt' : `mqtt${i}`,
      ...(values.id !== undefined ? { clientId: values.id } : {}),
      ...(username !== undefined ? { username } : {}),
      ...(password !== undefined ? { password } : {}),
      ...(minDelayMs !== undefined ? { minDelayMs } : {}),
      ...(maxDelayMs !== undefined ? { maxDelayMs: Math.max(maxDelayMs, minDelayMs ?? 0) } : {}),
      ...(tls !== undefined && isTls(parsed) ? { tls } : {}),
    };
  });
  const keepAliveSec = integer('keepalive', values.keepalive, 0, 65535);
  const connectTimeoutMs = integer('connect-timeout', values['connect-timeout'], 0, 86_400_000);
  const version = integer('protocol-version', values['protocol-version'], 4, 5);
  return {
    servers,
    ...(version !== undefined ? { protocolVersion: version === 5 ? 5 : 4 } : {}),
    ...(keepAliveSec !== undefined ? { keepAliveSec } : {}),
    ...(connectTimeoutMs !== undefined ? { connectTimeoutMs } : {}),
    ...(values.journal !== undefined ? { journal: true } : {}),
    ...(values.debug === true ? { logger: (line: string) => stderr(`trace: ${line}`) } : {}),
  };
}

/** Creates the client; a configuration the library refuses is a usage error (exit 2). */
export function createClient(
  values: ConnectionValues,
  env: NodeJS.ProcessEnv,
  stderr: (line: string) => void,
  extra: Partial<MqttClientOptions> = {},
): MqttClient {
  try {
    return new Client({ ...clientOptions(values, env, stderr), ...extra });
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw usage(error instanceof Error ? error.message : String(error));
  }
}

/**
 * Connects and resolves on the first session. Rejects with exit 4 when the broker refuses the
 * CONNECT; with exit 3 after `attempts` failed attempts (0: keeps trying; undefined: once every
 * server failed at least once, whatever the retry schedule); with exit 130 when stopped first.
 */
export function firstConnection(
  client: MqttClient,
  attempts: number | undefined,
  stopped: Promise<void>,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let failures = 0;
    const failed = new Set<number>();
    const servers = client.lifecycle.servers.filter((s) => s.enabled !== false).length;
    void stopped.then(() => {
      off();
      reject(new CliError(EXIT.interrupted, 'INTERRUPTED', 'stopped before the first connection'));
    });
    const off = client.onEvent((event) => {
      if (event.type === 'connected') {
        off();
        resolve();
        return;
      }
      if (event.type !== 'connect.error') return;
      failures += 1;
      failed.add(event.serverIndex);
      const { code, message } = event.error;
      if (code === 'CONNACK_REFUSED') {
        off();
        reject(new CliError(EXIT.refused, code, `${event.server}: ${message}`));
      } else if (attempts === undefined ? failed.size >= servers : attempts > 0 && failures >= attempts) {
        off();
        reject(
          new CliError(
            EXIT.unreachable,
            code,
            `${event.server}: ${message} (gave up after ${failures} attempt${failures === 1 ? '' : 's'})`,
          ),
        );
      }
    });
    client.connect();
  });
}

/** Writes the journal to `--journal FILE`, if asked for. */
export function saveJournal(client: MqttClient, values: ConnectionValues): void {
  if (values.journal === undefined) return;
  try {
    writeFileSync(values.journal, toJsonLines(client.lifecycle.journal()));
  } catch (error) {
    throw new CliError(EXIT.failed, 'IO', `cannot write the journal: ${(error as Error).message}`);
  }
}
