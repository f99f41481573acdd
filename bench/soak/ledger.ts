/**
 * The soak's bookkeeping of messages: which were accepted and how often each arrived. Payloads
 * are `<prefix>.<seq>` with `seq` counting up per prefix (a process run of side A, or `b`), so a
 * message costs two bytes here, not a string in a set: over an hour the ledger grows by about
 * 200 KB, where sets of strings would grow by tens of MB and hide the clients' own memory in the
 * soak's heap slope (spec R228).
 */

/** Per direction and QoS: what was accepted and what arrived. */
export interface FlowCount {
  readonly qos: 0 | 1 | 2;
  /** `a->b` or `b->a`. */
  readonly direction: string;
  readonly accepted: number;
  /** Distinct messages that arrived. */
  readonly delivered: number;
  /** Accepted and never arrived (for QoS 0 not a fault: QoS 0 may be lost by design). */
  readonly lost: number;
  /** Arrivals beyond the first of a message. */
  readonly duplicates: number;
  /** A few of the lost payloads, for a look in the logs. */
  readonly lostExamples: readonly string[];
}

/** Bytes indexed by seq, growing by doubling. */
class Bytes {
  data = new Uint8Array(1024);
  length = 0;

  bump(index: number, cap: number): void {
    if (index >= this.data.length) {
      const grown = new Uint8Array(Math.max(this.data.length * 2, index + 1));
      grown.set(this.data);
      this.data = grown;
    }
    this.data[index] = Math.min(cap, (this.data[index] ?? 0) + 1);
    this.length = Math.max(this.length, index + 1);
  }
}

interface Track {
  readonly topic: string;
  readonly prefix: string;
  readonly accepted: Bytes;
  readonly arrivals: Bytes;
}

/** Accepted and arrived messages of the soak, per topic (`soak/<side>/<qos>`) and prefix. */
export class Ledger {
  readonly #tracks = new Map<string, Track>();

  /** `payload` was accepted for `topic` (a QoS >= 1 message is then owed). */
  accepted(topic: string, payload: string): void {
    const [track, seq] = this.#track(topic, payload);
    track.accepted.bump(seq, 1);
  }

  /** `payload` arrived on `topic`. */
  arrived(topic: string, payload: string): void {
    const [track, seq] = this.#track(topic, payload);
    track.arrivals.bump(seq, 255);
  }

  /** QoS >= 1 messages accepted and not (yet) arrived. */
  missing(): number {
    let n = 0;
    for (const t of this.#tracks.values()) {
      if (t.topic.endsWith('/0')) continue;
      for (let i = 0; i < t.accepted.length; i++)
        if (t.accepted.data[i] === 1 && t.arrivals.data[i] === 0) n++;
    }
    return n;
  }

  /** The counts per direction and QoS. */
  flows(): FlowCount[] {
    const byTopic = new Map<
      string,
      { accepted: number; delivered: number; duplicates: number; lost: string[] }
    >();
    for (const t of this.#tracks.values()) {
      const f = byTopic.get(t.topic) ?? { accepted: 0, delivered: 0, duplicates: 0, lost: [] };
      byTopic.set(t.topic, f);
      for (let i = 0; i < t.accepted.length; i++) {
        if (t.accepted.data[i] !== 1) continue;
        const n = t.arrivals.data[i] ?? 0;
        f.accepted++;
        if (n > 0) f.delivered++;
        else f.lost.push(`${t.prefix}.${i}`);
        f.duplicates += Math.max(0, n - 1);
      }
    }
    return [...byTopic].map(([topic, f]) => {
      const [, side = '', qos = '0'] = topic.split('/');
      return {
        qos: Number(qos) as 0 | 1 | 2,
        direction: side === 'a' ? 'a->b' : 'b->a',
        accepted: f.accepted,
        delivered: f.delivered,
        lost: f.accepted - f.delivered,
        duplicates: f.duplicates,
        lostExamples: f.lost.slice(0, 8),
      };
    });
  }

  #track(topic: string, payload: string): [Track, number] {
    const dot = payload.lastIndexOf('.');
    const prefix = payload.slice(0, dot);
    const key = `${topic} ${prefix}`;
    let track = this.#tracks.get(key);
    if (track === undefined) {
      track = { topic, prefix, accepted: new Bytes(), arrivals: new Bytes() };
      this.#tracks.set(key, track);
    }
    return [track, Number(payload.slice(dot + 1))];
  }
}
