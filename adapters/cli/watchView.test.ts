/** What `watch` shows, as pure functions of events and time (spec R95). */
import { describe, expect, it } from 'vitest';
import { applyEvent, createView, RECENT_EVENTS, renderView } from './watchView.js';

const servers = [
  { name: 'mqtt', address: 'a:1883' },
  { name: 'mqtt1', address: 'b:1883' },
];
const error = { code: 'TRANSPORT_ERROR', message: 'connect ECONNREFUSED' } as const;

describe('watch view', () => {
  it('R95: shows the server, attempt and a retry countdown that runs down with the clock, then the connection', () => {
    const view = createView(servers);
    applyEvent(view, { type: 'connecting', server: 'mqtt', serverIndex: 0, attempt: 1 }, 0);
    applyEvent(view, { type: 'connect.error', server: 'mqtt', serverIndex: 0, error }, 5);
    applyEvent(
      view,
      { type: 'backoff', server: 'mqtt1', serverIndex: 1, nominalMs: 2000, delayMs: 2100, switched: true },
      10,
    );
    const screen = renderView(view, 1010, 200);
    expect(screen).toContain('server    mqtt1 (b:1883)');
    expect(screen).toContain('attempt   1');
    expect(screen).toContain('retry     in 1.1 s (delay 2.1 s, nominal 2.0 s, failed over)');
    expect(renderView(view, 2010, 200)).toContain(
      'retry     in 0.1 s (delay 2.1 s, nominal 2.0 s, failed over)',
    );
    expect(screen).toContain(
      '  -   1.0 s  connect.error server=mqtt code=TRANSPORT_ERROR message="connect ECONNREFUSED"',
    );

    applyEvent(view, { type: 'connecting', server: 'mqtt1', serverIndex: 1, attempt: 2 }, 2110);
    applyEvent(view, { type: 'connected', server: 'mqtt1', serverIndex: 1, sessionPresent: false }, 2200);
    const up = renderView(view, 4200, 200);
    expect(up).toContain('retry     -');
    expect(up).toContain('up for    2.0 s');
    expect(up).toContain('attempt   2');
  });

  it('R95: keeps the last events only, ignores session events, and cuts lines to the terminal width', () => {
    const view = createView(servers);
    for (let i = 1; i <= RECENT_EVENTS + 3; i++)
      applyEvent(view, { type: 'connecting', server: 'mqtt', serverIndex: 0, attempt: i }, i);
    expect(applyEvent(view, { type: 'puback', packetId: 1 }, 99)).toBe(false);
    expect(view.events.map((e) => e.text)).toEqual(
      Array.from({ length: RECENT_EVENTS }, (_, i) => `connecting server=mqtt attempt=${i + 4}`),
    );
    expect(renderView(view, 20, 30).every((line) => line.length <= 30)).toBe(true);
  });
});
