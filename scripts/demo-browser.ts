/**
 * `npm run demo:browser`: the browser demo on http://127.0.0.1:8080/ (or `--port N`), with an
 * embedded aedes broker over WebSocket. Open the page, then kill and restart the broker and watch
 * the client's statechart follow it; download or replay the journal. Ctrl-C stops it.
 */
import { startDemoServer } from './browser/demoServer.js';

const portArg = process.argv.indexOf('--port');
const port = portArg === -1 ? 8080 : Number(process.argv[portArg + 1]);

const demo = await startDemoServer({ port });
console.log(`mqtt-lifeline browser demo: open ${demo.url}`);
console.log(`  broker: aedes over WebSocket at ws://127.0.0.1:${demo.brokerPort}/mqtt`);
console.log('  Ctrl-C to stop');
const stop = () => {
  void demo.close().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
