/**
 * The demo (README's main job): two embedded brokers on loopback, a client that fails over between
 * them as they die and come back, every transition printed with its time, then the journal written
 * to a file, read back and replayed to the same states. Ends by itself in about 15 seconds.
 */
import { writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { LifecycleClient } from '../adapters/node.js';
import { fromJsonLines, replay, toJsonLines } from '../machines/journal.js';
import { type AedesHandle, startAedes } from '../test/support/brokers.js';

const started = performance.now();
const stamp = () => `+${((performance.now() - started) / 1000).toFixed(3).padStart(7)}s`;
const say = (text: string) => console.log(`${stamp()}  ${text}`);

const stateName = (value: unknown): string =>
  typeof value === 'string'
    ? value
    : Object.entries(value as Record<string, unknown>)
        .map(([key, inner]) =>
          inner === undefined || (typeof inner === 'object' && Object.keys(inner as object).length > 1)
            ? key
            : `${key}.${stateName(inner)}`,
        )
        .join(',');

async function main(): Promise<void> {
  let primary: AedesHandle = await startAedes();
  let backup: AedesHandle = await startAedes();
  say(`primary broker on 127.0.0.1:${primary.port}, backup on 127.0.0.1:${backup.port}`);

  const client = new LifecycleClient({
    servers: [
      { name: 'mqtt', host: '127.0.0.1', port: primary.port, minDelayMs: 250, maxDelayMs: 2000 },
      { name: 'mqtt1', host: '127.0.0.1', port: backup.port, minDelayMs: 250, maxDelayMs: 2000 },
    ],
    keepAliveSec: 5,
    journal: true,
  });
  const liveStates: string[] = [];
  client.subscribeSnapshots((snapshot) => liveStates.push(JSON.stringify(snapshot.value)));
  let lastState = '';
  client.subscribeSnapshots((snapshot) => {
    const name = stateName(snapshot.value);
    if (name !== lastState) say(`state   ${name}`);
    lastState = name;
  });
  client.onLifecycle((event) => {
    switch (event.type) {
      case 'connecting':
        return say(`event   connecting to ${event.server} (attempt ${event.attempt})`);
      case 'connect.error':
        return say(`event   connect error on ${event.server}: ${event.error.code} ${event.error.message}`);
      case 'backoff':
        return say(
          `event   retry ${event.server} in ${(event.delayMs / 1000).toFixed(3)} s (nominal ${event.nominalMs / 1000} s)${event.switched ? ', failed over' : ''}`,
        );
      case 'connected':
        return say(`event   CONNECTED to ${event.server}`);
      case 'disconnected':
        return say(`event   disconnected from ${event.server}: ${event.error?.code ?? 'by the user'}`);
      default:
        return say(`event   ${event.type}`);
    }
  });

  const until = (predicate: (e: Parameters<Parameters<typeof client.onLifecycle>[0]>[0]) => boolean) =>
    new Promise<void>((resolve) => {
      const off = client.onLifecycle((event) => {
        if (predicate(event)) {
          off();
          resolve();
        }
      });
    });

  client.connect();
  await until((e) => e.type === 'connected');

  say('--- killing the primary broker');
  await primary.close();
  await until((e) => e.type === 'connected' && e.server === 'mqtt1');

  say(
    '--- bringing the primary back, then killing the backup (the client is sticky: it retries mqtt1 first)',
  );
  primary = await startAedes({ port: primary.port });
  await backup.close();
  await until((e) => e.type === 'connected' && e.server === 'mqtt');

  say('--- bringing the backup back; disconnecting');
  backup = await startAedes({ port: backup.port });
  await client.disconnect();

  const file = 'demo.journal.jsonl';
  const journal = client.journal();
  writeFileSync(file, toJsonLines(journal));
  say(`journal: ${journal.entries.length} entries written to ${file}`);
  const replayed = replay(fromJsonLines(await readFile(file, 'utf8')));
  const same =
    replayed.length === liveStates.length &&
    replayed.every((step, i) => JSON.stringify(step.value) === liveStates[i]);
  say(
    `replay: ${replayed.length} steps rebuilt from the file; identical to the live run: ${same ? 'yes' : 'NO'}`,
  );
  await Promise.all([primary.close(), backup.close()]);
  if (!same) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
