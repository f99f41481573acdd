/** Node's transport, counting the bytes the client writes (the topic-alias bench and its mosquitto test, spec R250). */
import { nodeTransport } from '../../adapters/transports/node.js';
import type { TransportFactory } from '../../runtime/ports.js';

/** A transport factory and the count of bytes written through every transport it made. */
export function countingTransport(): { transport: TransportFactory; written: () => number } {
  let bytes = 0;
  const transport: TransportFactory = (target, handlers) => {
    const inner = nodeTransport(target, handlers);
    const write = inner.write.bind(inner);
    inner.write = (chunk: Uint8Array) => {
      bytes += chunk.length;
      return write(chunk);
    };
    return inner;
  };
  return { transport, written: () => bytes };
}
