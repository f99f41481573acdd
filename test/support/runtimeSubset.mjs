// The packed package's integration subset as one plain script that Node, Bun and Deno run as is
// (test/runtimes.test.ts copies it into the installed app; spec R180-R181). Each check prints
// `ok <name>` once it has seen its own message come back through a real broker; any failure
// prints the error and exits 1. Plain JavaScript: no runtime here may need a TypeScript loader.
//
// Argument: JSON { tcp, tls, ws, ca, storeFile, tag }: mosquitto's plain and TLS ports, aedes'
// ws:// URL, the CA file for the TLS listener, a fresh store file path, and a tag that keeps
// this runtime's topics and client ids apart from the others'.
import process from 'node:process';
import { MqttClient, openFileStore } from 'mqtt-lifeline';

const config = JSON.parse(process.argv[2] ?? '{}');
const topic = (name) => `rt/${config.tag}/${name}`;
const text = (message) => new TextDecoder().decode(message.payload);
/** Each check's deadline: a hang fails with the check's name instead of stalling the test. */
const DEADLINE_MS = 10_000;

function within(name, promise) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${name}: no answer within ${DEADLINE_MS} ms`)), DEADLINE_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Resolves with the first message on `filter` once the client is subscribed (SUBACK seen). */
function firstMessage(client, filter) {
  let subscribed;
  const suback = new Promise((resolve) => {
    subscribed = resolve;
  });
  const off = client.onEvent((event) => {
    if (event.type === 'suback') {
      off();
      subscribed();
    }
  });
  const message = new Promise((resolve) => {
    const sub = client.subscribe(filter, { qos: 1 }).subscribe((m) => {
      sub.unsubscribe();
      resolve(text(m));
    });
  });
  return { suback, message };
}

/** Connect, subscribe QoS 1, publish QoS 1 to itself, receive it, disconnect. */
async function roundTrip(name, server) {
  const client = new MqttClient({ servers: [server] });
  const { suback, message } = firstMessage(client, topic(name));
  client.connect();
  await suback;
  await client.publish(topic(name), `${name} via ${config.tag}`, { qos: 1 });
  const got = await message;
  await client.disconnect();
  if (got !== `${name} via ${config.tag}`) throw new Error(`${name}: received ${JSON.stringify(got)}`);
}

/**
 * The file store: a QoS 1 message published while offline is kept in the file when the client
 * stops (R84); a second client opening the same file delivers it once it connects.
 */
async function fileStore() {
  const server = { url: `mqtt://127.0.0.1:${config.tcp}`, clientId: `rt-${config.tag}`, clean: false };
  const first = openFileStore(config.storeFile, { fsync: 'every' });
  const offline = new MqttClient({ servers: [server], session: { store: first } });
  const queued = offline.publish(topic('store'), 'kept in the file', { qos: 1 });
  queued.catch(() => {}); // settled by disconnect; what matters is that the store kept it
  await offline.disconnect();
  first.close();

  const watcher = new MqttClient({ servers: [{ url: `mqtt://127.0.0.1:${config.tcp}` }] });
  const { suback, message } = firstMessage(watcher, topic('store'));
  watcher.connect();
  await suback;
  const second = openFileStore(config.storeFile, { fsync: 'every' });
  const resumed = new MqttClient({ servers: [server], session: { store: second } });
  resumed.connect();
  const got = await message;
  await resumed.disconnect();
  await watcher.disconnect();
  second.close();
  if (got !== 'kept in the file') throw new Error(`store: received ${JSON.stringify(got)}`);
}

const checks = [
  ['tcp', () => roundTrip('tcp', { url: `mqtt://127.0.0.1:${config.tcp}` })],
  ['tls', () => roundTrip('tls', { url: `mqtts://localhost:${config.tls}`, tls: { caFile: config.ca } })],
  ['ws', () => roundTrip('ws', { url: config.ws })],
  ['store', fileStore],
];

try {
  for (const [name, check] of checks) {
    await within(name, check());
    console.log(`ok ${name}`);
  }
} catch (error) {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
}
