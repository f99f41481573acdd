/**
 * What the soak measures of its own process over time: RSS and heap (after a full GC, so the
 * figures show what is kept, not what waits for collection), active handles, event-loop delay.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** One sample. */
export interface Sample {
  /** Seconds since the soak started. */
  readonly t: number;
  readonly rss: number;
  readonly heapUsed: number;
  /** `process.getActiveResourcesInfo().length`: sockets, timers, child processes, ... */
  readonly handles: number;
  /** Event-loop delay since the previous sample, ms. */
  readonly loopP99: number;
  readonly loopMax: number;
}

/** A full garbage collection, if the process can be made to expose one. */
export const collectGarbage: () => void = (() => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as (() => void) | undefined;
  return gc ?? (() => {});
})();

/** Samples of this process, taken on demand. */
export class Sampler {
  readonly samples: Sample[] = [];
  readonly #start = performance.now();
  readonly #loop = monitorEventLoopDelay({ resolution: 10 });

  constructor() {
    this.#loop.enable();
  }

  /** Takes a sample (after a full GC). */
  take(): Sample {
    collectGarbage();
    const m = process.memoryUsage();
    const sample: Sample = {
      t: (performance.now() - this.#start) / 1000,
      rss: m.rss,
      heapUsed: m.heapUsed,
      handles: process.getActiveResourcesInfo().length,
      loopP99: this.#loop.percentile(99) / 1e6,
      loopMax: this.#loop.max / 1e6,
    };
    this.#loop.reset();
    this.samples.push(sample);
    return sample;
  }

  stop(): void {
    this.#loop.disable();
  }
}

/** Least-squares slope of `y` over `t`, per minute (0 with fewer than two points). */
export function slopePerMinute(points: readonly { t: number; y: number }[]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mt = points.reduce((s, p) => s + p.t, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.t - mt) * (p.y - my);
    den += (p.t - mt) ** 2;
  }
  return den === 0 ? 0 : (num / den) * 60;
}
