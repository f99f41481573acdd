import { MqttClient } from '../adapters/node.js';
import { startAedes } from '../test/support/brokers.js';
import { withWireCheck } from '../test/support/wireCheck.js';
import { WireValidator } from '../test/support/wireValidator.js';
import { collectGarbage } from '../bench/soak/metrics.js';
const check = process.argv[2] === 'check';
const broker = await startAedes();
const opts = { servers: [{ host: '127.0.0.1', port: broker.port, clientId: 'p', clean: false }], keepAliveSec: 2 };
const b = new MqttClient(check ? withWireCheck(opts, new WireValidator()) : opts);
let got = 0;
b.onMessage(() => got++);
b.session.subscribe('x/#', 2);
b.connect();
let seq = 0;
setInterval(() => { for (const q of [0, 1, 2] as const) b.publishNow(`x/${q}`, `b.${seq}`, q, false); seq++; }, 1000 / 30);
const t0 = Date.now();
for (let i = 0; i <= 6; i++) {
  await new Promise((r) => setTimeout(r, 15000));
  collectGarbage();
  console.log(`${check ? 'check' : 'plain'} ${((Date.now() - t0) / 1000).toFixed(0)} s heap ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(2)} MB got ${got}`);
}
process.exit(0);
