/**
 * Real brokers for tests: an in-process aedes and a child-process mosquitto, each on its own
 * loopback port, both restartable on the same port (reconnect scenarios need that).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { Aedes, type AedesOptions } from 'aedes';

const HOST = '127.0.0.1';
/** How long a broker may take to accept connections (or to free its port) before the helper gives up. */
const READY_TIMEOUT_MS = 5_000;
/** Pause between readiness probes and bind retries: short, so tests stay fast. */
const RETRY_DELAY_MS = 20;
/** How much of a broker's log to keep for error messages. */
const LOG_LIMIT = 16_384;
const CONFIG_FILE = 'mosquitto.conf';

// ---------------------------------------------------------------------------------------------
// aedes
// ---------------------------------------------------------------------------------------------

/** Options of {@link startAedes}. */
export interface AedesStartOptions {
  /**
   * The loopback port to listen on; pass a closed broker's port to restart it there.
   * @default a free port chosen by the operating system
   */
  readonly port?: number;
  /**
   * Options for the aedes instance (authentication hooks, keep-alive limits, ...).
   * @default aedes defaults
   */
  readonly aedes?: AedesOptions;
}

/** A running in-process aedes broker. */
export interface AedesHandle {
  /** The loopback port it listens on. */
  readonly port: number;
  /** The aedes instance, for its events (`client`, `publish`, ...) and hooks. */
  readonly broker: Aedes;
  /** Destroys every client socket, closes the server and the broker; the port is free afterwards. */
  close(): Promise<void>;
  /** Open TCP connections (MQTT-level sessions are `broker.connectedClients`). */
  clients(): number;
}

/** Starts aedes on `127.0.0.1`, on `opts.port` or a free port. */
export async function startAedes(opts: AedesStartOptions = {}): Promise<AedesHandle> {
  const broker = await Aedes.createBroker(opts.aedes);
  // The server only stops once its connections are gone, and aedes does not track raw sockets
  // that have not sent CONNECT yet, so the helper keeps them all.
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    broker.handle(socket);
  });
  try {
    await listenWithRetry(server, opts.port ?? 0);
  } catch (error) {
    await closeBroker(broker);
    throw error;
  }
  const address = server.address() as net.AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    port: address.port,
    broker,
    clients: () => sockets.size,
    close() {
      closing ??= (async () => {
        const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const socket of sockets) socket.destroy();
        await serverClosed;
        await closeBroker(broker);
      })();
      return closing;
    },
  };
}

function closeBroker(broker: Aedes): Promise<void> {
  return new Promise((resolve) => broker.close(() => resolve()));
}

/** Binds `server`, retrying while the port is still held (a just-closed broker, a lingering peer). */
export async function listenWithRetry(server: net.Server, port: number): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    try {
      await new Promise<void>((resolve, reject) => {
        const onError = (error: Error) => reject(error);
        server.once('error', onError);
        server.listen({ port, host: HOST, exclusive: true }, () => {
          server.off('error', onError);
          resolve();
        });
      });
      return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EADDRINUSE' || Date.now() >= deadline) throw error;
      await delay(RETRY_DELAY_MS);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// mosquitto
// ---------------------------------------------------------------------------------------------

/** Options of {@link startMosquitto}. */
export interface MosquittoStartOptions {
  /**
   * The loopback port to listen on.
   * @default a free port chosen by the operating system
   */
  readonly port?: number;
  /**
   * Extra configuration lines appended to the generated `mosquitto.conf`.
   * @default none
   */
  readonly config?: string;
  /**
   * Content of an ACL file (mosquitto `acl_file` syntax); enables ACL checks.
   * @default no ACL file (everything allowed)
   */
  readonly aclFile?: string;
  /**
   * User names and passwords; when given, anonymous clients are refused.
   * @default anonymous access allowed
   */
  readonly passwords?: Readonly<Record<string, string>>;
}

/** A running mosquitto child process. */
export interface MosquittoHandle {
  /** The loopback port it listens on (the same across restarts). */
  readonly port: number;
  /** The current process id (changes on restart). */
  readonly pid: number;
  /** Everything mosquitto logged so far (tail), for assertion messages. */
  log(): string;
  /** Terminates it gracefully (SIGTERM) and waits for the exit. */
  stop(): Promise<void>;
  /** Kills it (SIGKILL) and waits for the exit: a broker crash. */
  kill(): Promise<void>;
  /** Suspends it (SIGSTOP): TCP handshakes still complete in the kernel, but nothing is answered. */
  freeze(): void;
  /** Resumes a frozen broker (SIGCONT). */
  thaw(): void;
  /** Stops it if running, then starts it again on the same port with the same configuration. */
  restart(): Promise<void>;
}

/** Live mosquitto processes, killed when the test process ends. */
const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

/**
 * A watchdog child that SIGKILLs the pids it was told about once our end of its stdin closes,
 * which happens however this process dies: vitest ends workers with SIGTERM, which skips 'exit'.
 */
const REAPER_SOURCE = `
const pids = new Set();
let pending = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (text) => {
  const lines = (pending + text).split('\\n');
  pending = lines.pop();
  for (const line of lines) (line[0] === '+' ? pids.add(Number(line.slice(1))) : pids.delete(Number(line.slice(1))));
});
process.stdin.on('end', () => {
  for (const pid of pids) { try { process.kill(pid, 'SIGKILL'); } catch {} }
  process.exit(0);
});`;
let reaper: ChildProcess | undefined;

/** Tells the watchdog to kill `pid` if this process dies (`+`), or that it has exited (`-`). */
export function reap(sign: '+' | '-', pid: number | undefined): void {
  if (pid === undefined) return;
  if (reaper === undefined) {
    reaper = spawn(process.execPath, ['-e', REAPER_SOURCE], { stdio: ['pipe', 'ignore', 'ignore'] });
    // The watchdog must not keep the test process alive.
    reaper.unref();
    (reaper.stdin as net.Socket | null)?.unref();
    reaper.on('error', () => {});
    reaper.stdin?.on('error', () => {});
  }
  reaper.stdin?.write(`${sign}${pid}\n`);
}

/** Where the mosquitto binary is, or `undefined` when it is not installed. */
export function mosquittoPath(): string | undefined {
  const candidates = [
    '/usr/sbin/mosquitto',
    ...(process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, 'mosquitto')),
  ];
  return candidates.find(isExecutable);
}

/** Whether the mosquitto binary is installed. */
export function mosquittoAvailable(): boolean {
  return mosquittoPath() !== undefined;
}

/**
 * Whether mosquitto tests can run: `true` if it is installed, `false` locally when it is not
 * (tests skip), and a thrown error when it is missing in CI (where skipping would hide failures).
 */
export function requireMosquitto(): boolean {
  if (mosquittoAvailable()) return true;
  if (process.env.CI) {
    throw new Error(
      'mosquitto is required in CI but was not found; install it with `apt-get install -y mosquitto`',
    );
  }
  return false;
}

/** {@link requireMosquitto} evaluated once; use as `describe.runIf(haveMosquitto)`. */
export const haveMosquitto: boolean = requireMosquitto();

/** Starts mosquitto on `127.0.0.1`, with a fresh config in a temp dir, and waits until it accepts TCP. */
export async function startMosquitto(opts: MosquittoStartOptions = {}): Promise<MosquittoHandle> {
  const binary = mosquittoPath();
  if (binary === undefined) throw new Error('mosquitto is not installed (apt-get install -y mosquitto)');
  const port = opts.port ?? (await freePort());
  const writeConfig = () => writeMosquittoConfig(port, opts);

  let child = await spawnMosquitto(binary, writeConfig, port);
  const exited = (c: ChildProcess) => c.exitCode !== null || c.signalCode !== null;
  const signalAndWait = async (signal: NodeJS.Signals): Promise<void> => {
    const current = child;
    if (exited(current)) return;
    const gone = new Promise<void>((resolve) => current.once('exit', () => resolve()));
    current.kill(signal);
    // A stopped process only acts on SIGTERM once it runs again.
    if (signal !== 'SIGKILL') current.kill('SIGCONT');
    await gone;
  };

  return {
    port,
    get pid() {
      return child.pid ?? -1;
    },
    log: () => logOf(child),
    stop: () => signalAndWait('SIGTERM'),
    kill: () => signalAndWait('SIGKILL'),
    freeze: () => {
      child.kill('SIGSTOP');
    },
    thaw: () => {
      child.kill('SIGCONT');
    },
    async restart(): Promise<void> {
      await signalAndWait('SIGTERM');
      child = await spawnMosquitto(binary, writeConfig, port);
    },
  };
}

/**
 * Writes `mosquitto.conf` (and password/ACL files) into a fresh temp dir and returns the dir.
 * mosquitto reads them all at startup, so each start gets its own dir, removed once it runs.
 */
function writeMosquittoConfig(port: number, opts: MosquittoStartOptions): string {
  const dir = mkdtempSync(join(tmpdir(), 'mqtt-lifeline-mosquitto-'));
  const lines = [`listener ${port} ${HOST}`, 'persistence false', 'log_dest stderr', 'log_timestamp false'];
  // Started as root, mosquitto 2 drops to the `mosquitto` user and could then not read our 0700 dir.
  if (process.getuid?.() === 0) lines.push('user root');
  if (opts.passwords) {
    const passwordFile = join(dir, 'passwd');
    try {
      Object.entries(opts.passwords).forEach(([user, password], index) => {
        // -c creates the file, so only for the first user; -b takes the password from argv.
        const flags = index === 0 ? ['-b', '-c'] : ['-b'];
        execFileSync('mosquitto_passwd', [...flags, passwordFile, user, password], { stdio: 'pipe' });
      });
    } catch (error) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`mosquitto_passwd failed: ${(error as Error).message}`, { cause: error });
    }
    lines.push('allow_anonymous false', `password_file ${passwordFile}`);
  } else {
    lines.push('allow_anonymous true');
  }
  if (opts.aclFile !== undefined) {
    const aclPath = join(dir, 'acl');
    writeFileSync(aclPath, `${opts.aclFile}\n`);
    lines.push(`acl_file ${aclPath}`);
  }
  if (opts.config) lines.push(opts.config);
  writeFileSync(join(dir, CONFIG_FILE), `${lines.join('\n')}\n`);
  return dir;
}

const logs = new WeakMap<ChildProcess, { text: string }>();

function logOf(child: ChildProcess): string {
  return logs.get(child)?.text ?? '';
}

/** Spawns mosquitto and resolves once it accepts TCP on `port`; retries while the port is still held. */
async function spawnMosquitto(
  binary: string,
  writeConfig: () => string,
  port: number,
): Promise<ChildProcess> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const dir = writeConfig();
    const child = spawn(binary, ['-c', join(dir, CONFIG_FILE)], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    reap('+', child.pid);
    child.once('exit', () => {
      children.delete(child);
      reap('-', child.pid);
    });
    const log = { text: '' };
    logs.set(child, log);
    const append = (chunk: Buffer) => {
      log.text = (log.text + chunk.toString('utf8')).slice(-LOG_LIMIT);
    };
    child.stdout?.on('data', append);
    child.stderr?.on('data', append);
    // Without a listener a failed spawn (ENOENT) would be an uncaught 'error' event.
    child.on('error', (error) => append(Buffer.from(`spawn error: ${error.message}\n`)));

    const outcome = await waitReady(child, log, port, deadline);
    rmSync(dir, { recursive: true, force: true });
    if (outcome === 'ready') return child;
    child.kill('SIGKILL');
    // A previous instance (or its socket) may still hold the port for a moment after exiting.
    if (outcome === 'exited' && log.text.includes('Address already in use') && Date.now() < deadline) {
      await delay(RETRY_DELAY_MS);
      continue;
    }
    throw new Error(
      `mosquitto did not become ready on ${HOST}:${port} within ${READY_TIMEOUT_MS} ms (${outcome}); log:\n${log.text}`,
    );
  }
}

/** Polls until mosquitto says it runs and a TCP connect succeeds, or it dies, or the deadline passes. */
async function waitReady(
  child: ChildProcess,
  log: { readonly text: string },
  port: number,
  deadline: number,
): Promise<'ready' | 'exited' | 'timeout'> {
  let spawnFailed = false;
  child.once('error', () => {
    spawnFailed = true;
  });
  const dead = () => spawnFailed || child.exitCode !== null || child.signalCode !== null;
  while (Date.now() < deadline) {
    if (dead()) return 'exited';
    // A connect alone could reach another process that owns the port; "running" is logged only
    // after our instance has bound its listener.
    if (log.text.includes(' running') && (await canConnect(port))) return dead() ? 'exited' : 'ready';
    await delay(RETRY_DELAY_MS);
  }
  return 'timeout';
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: HOST });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

// ---------------------------------------------------------------------------------------------
// utilities
// ---------------------------------------------------------------------------------------------

/** A loopback port that was free a moment ago (the OS picks it; the listener is closed again). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ port: 0, host: HOST, exclusive: true }, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Whether `path` is a file this process may execute. */
export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
