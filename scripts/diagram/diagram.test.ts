import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { and, not, or, setup, stateIn } from 'xstate';
import { diagramFiles, toDot, toMermaid, unknownDelays } from './diagram.js';

/**
 * Covers every construct the generators handle: top-level and nested compound states, a parallel
 * state with two regions, guarded and multi-branch transitions, a named and a numeric `after`,
 * `always`, a root-level handler, a targetless (action-only) transition and a final state.
 */
function createTestMachine() {
  return setup({
    guards: { canRetry: () => true, isClean: () => true, isReady: () => false },
    delays: { retry: 1000 },
  }).createMachine({
    id: 'test',
    initial: 'idle',
    on: { 'client.destroy': '.closed' },
    states: {
      idle: { on: { 'client.connect': 'state_a' } },
      state_a: {
        after: { retry: 'state_b' },
        on: { tick: { actions: () => undefined }, 'client.cancel': 'idle', '*': 'idle' },
      },
      state_b: {
        after: { 250: { target: 'session', guard: 'canRetry' }, 5000: 'idle' },
      },
      session: {
        initial: 'connecting',
        on: {
          'client.close': [
            { target: 'closed', guard: 'isClean' },
            { target: 'idle', guard: not('isClean') },
          ],
          'client.reset': 'idle',
        },
        states: {
          connecting: {
            always: { target: 'online', guard: 'isReady' },
            on: { 'conn.ack': 'online' },
          },
          online: {
            type: 'parallel',
            states: {
              inbound: {
                initial: 'listening',
                states: {
                  listening: { on: { 'packet.received': 'handling' } },
                  handling: { always: 'listening' },
                },
              },
              outbound: {
                initial: 'ready',
                states: {
                  ready: { on: { 'packet.send': 'sending' } },
                  sending: { on: { 'packet.sent': 'ready', 'socket.lost': '#test.state_b' } },
                },
              },
            },
          },
        },
      },
      closed: { type: 'final' },
    },
  });
}

/** The lines of a diagram with indentation removed, for order-insensitive membership checks. */
function trimmedLines(text: string): string[] {
  return text.split('\n').map((line) => line.trim());
}

/** Expects each of `expected` among `lines`, one assertion a line, so a failure names the missing one. */
function expectLines(lines: readonly string[], expected: readonly string[]): void {
  for (const line of expected) expect(lines).toContain(line);
}

/** A light structural check: braces balance and never close before they open. */
function bracesBalanced(text: string): boolean {
  let depth = 0;
  for (const ch of text) {
    if (ch === '{') depth++;
    if (ch === '}') depth--;
    if (depth < 0) return false;
  }
  return depth === 0;
}

describe('toMermaid', () => {
  const mermaid = toMermaid(createTestMachine());
  const lines = trimmedLines(mermaid);

  it('starts with the diagram type and ends with a newline', () => {
    expect(lines[0]).toBe('stateDiagram-v2');
    expect(mermaid.endsWith('\n')).toBe(true);
    expect(mermaid.endsWith('\n\n')).toBe(false);
  });

  it('labels delayed transitions with the delay name or number and appends guards', () => {
    expectLines(lines, [
      'state_a --> state_b : after(retry)',
      'state_b --> session : after(250) [canRetry]',
      'state_b --> idle : after(5000)',
    ]);
  });

  it('labels eventless transitions as always', () => {
    expect(lines).toContain('session_connecting --> session_online : always [isReady]');
    expect(lines).toContain('session_online_inbound_handling --> session_online_inbound_listening : always');
  });

  it('draws one edge per guarded branch and per label between the same pair', () => {
    expectLines(lines, [
      'session --> closed : client.close [isClean]',
      'session --> idle : client.close [!isClean]',
      'session --> idle : client.reset',
    ]);
  });

  it('nests compound states, separates parallel regions and marks initial and final states', () => {
    expectLines(lines, [
      '[*] --> idle',
      'state session {',
      '[*] --> session_connecting',
      'state "connecting" as session_connecting',
      'state "online" as session_online {',
      'state "inbound" as session_online_inbound {',
      '--',
      'closed --> [*]',
    ]);
    const inbound = lines.indexOf('state "inbound" as session_online_inbound {');
    const separator = lines.indexOf('--');
    expect(inbound).toBeLessThan(separator);
    expect(separator).toBeLessThan(lines.indexOf('state "outbound" as session_online_outbound {'));
  });

  it('points transitions at the nested node id of their target', () => {
    expect(lines).toContain('session_online_outbound_sending --> state_b : socket.lost');
  });

  it('draws root-level handlers from a stand-in node', () => {
    expect(lines).toContain('state "test (any state)" as test');
    expect(lines).toContain('test --> closed : client.destroy');
  });

  it('omits targetless and wildcard transitions', () => {
    expect(mermaid).not.toContain('tick');
    expect(lines.filter((l) => l.startsWith('state_a --> idle'))).toEqual([
      'state_a --> idle : client.cancel',
    ]);
  });

  it('is deterministic and ordered by document order, then transition order', () => {
    expect(toMermaid(createTestMachine())).toBe(mermaid);
    expect(toMermaid(createTestMachine())).toBe(toMermaid(createTestMachine()));
    expect(lines.indexOf('state_a --> state_b : after(retry)')).toBeLessThan(
      lines.indexOf('state_b --> session : after(250) [canRetry]'),
    );
    expect(lines.indexOf('state_b --> session : after(250) [canRetry]')).toBeLessThan(
      lines.indexOf('state_b --> idle : after(5000)'),
    );
  });

  it('passes a light syntax check', () => {
    expect(bracesBalanced(mermaid)).toBe(true);
    const id = String.raw`(\[\*\]|[A-Za-z0-9_]+)`;
    const edge = new RegExp(`^${id} --> ${id}( : [^:;#]+)?$`);
    for (const line of lines.filter((l) => l.includes('-->'))) expect(line).toMatch(edge);
  });
});

describe('guard and id rendering', () => {
  const machine = setup({
    guards: { a: () => true, b: () => true, c: () => true, withParams: (_, _params: { n: number }) => true },
  }).createMachine({
    id: 'guards',
    initial: 'default',
    states: {
      default: {
        on: {
          e1: { target: 'wait-ack', guard: and(['a', not('b')]) },
          e2: { target: 'wait-ack', guard: or([and(['a', 'b']), 'c']) },
          e3: { target: 'wait-ack', guard: stateIn('#guards.default') },
          e4: { target: 'wait-ack', guard: { type: 'withParams', params: { n: 1 } } },
          e5: { target: 'wait-ack', guard: ({ event }) => event.type === 'e5' },
          e6: { reenter: true },
        },
      },
      'wait-ack': {},
    },
  });
  const lines = trimmedLines(toMermaid(machine));

  it('renders combinators, parameterised and inline guards readably', () => {
    expectLines(lines, [
      's_default --> wait_ack : e1 [a && !b]',
      's_default --> wait_ack : e2 [(a && b) || c]',
      's_default --> wait_ack : e3 [in(guards.default)]',
      's_default --> wait_ack : e4 [withParams]',
      's_default --> wait_ack : e5 [guard]',
    ]);
  });

  it('draws a targetless transition with reenter as a self loop', () => {
    expect(lines).toContain('s_default --> s_default : e6');
  });

  it('makes ids Mermaid-safe and keeps the key as the label', () => {
    expect(lines).toContain('state "default" as s_default');
    expect(lines).toContain('state "wait-ack" as wait_ack');
  });
});

describe('parallel root', () => {
  const machine = setup({}).createMachine({
    id: 'par',
    type: 'parallel',
    on: { stop: '.left.done' },
    states: {
      left: { initial: 'one', states: { one: { on: { next: 'done' } }, done: { type: 'final' } } },
      right: { initial: 'x', states: { x: {} } },
    },
  });

  it('boxes the root so its regions can be separated by --', () => {
    const mermaid = toMermaid(machine);
    const lines = trimmedLines(mermaid);
    expectLines(lines, ['state par {', '--', 'par --> left_done : stop']);
    expect(bracesBalanced(mermaid)).toBe(true);
  });
});

describe('toDot', () => {
  const dot = toDot(createTestMachine());
  const lines = trimmedLines(dot);

  it('declares a compound, left-to-right digraph ending with a newline', () => {
    expect(lines[0]).toBe('digraph "test" {');
    expect(lines).toContain('compound=true;');
    expect(lines).toContain('rankdir=LR;');
    expect(dot.endsWith('}\n')).toBe(true);
    expect(bracesBalanced(dot)).toBe(true);
  });

  it('draws compound and parallel states as clusters with an initial marker', () => {
    expectLines(lines, [
      'subgraph "cluster_session" {',
      'subgraph "cluster_session_online" {',
      'subgraph "cluster_session_online_inbound" {',
      'subgraph "cluster_session_online_outbound" {',
      '"session:anchor" [shape=point];',
      '"session:anchor" -> "session_connecting";',
    ]);
  });

  it('uses the same labels as Mermaid, including always transitions', () => {
    expect(lines).toContain('"state_a" -> "state_b" [label="after(retry)"];');
    expect(lines).toContain(
      '"session_connecting" -> "session_online:anchor" [label="always [isReady]", lhead="cluster_session_online"];',
    );
    expect(lines).toContain(
      '"session:anchor" -> "idle" [label="client.close [!isClean]", ltail="cluster_session"];',
    );
    expect(lines).toContain('"closed" [label="closed", peripheries=2];');
  });

  it('is deterministic', () => {
    expect(toDot(createTestMachine())).toBe(dot);
  });

  // In CI Graphviz is installed by `pretest`, so a missing `dot` fails there instead of skipping.
  it.runIf(existsSync('/usr/bin/dot') || Boolean(process.env.CI))(
    'renders with Graphviz without warnings',
    () => {
      const result = spawnSync('dot', ['-Tsvg'], { input: dot, encoding: 'utf8' });
      expect(result.status).toBe(0);
      expect(result.stderr).toBe('');
      for (const name of [
        'idle',
        'state_a',
        'state_b',
        'session',
        'connecting',
        'online',
        'listening',
        'closed',
      ]) {
        expect(result.stdout).toContain(`>${name}</text>`);
      }
    },
  );
});

describe('unknownDelays', () => {
  it('returns [] when every named delay is implemented', () => {
    expect(unknownDelays(createTestMachine())).toEqual([]);
  });

  it('flags a misspelt delay name and ignores numeric delays', () => {
    const machine = setup({ delays: { backoff: 1000 } }).createMachine({
      id: 'typo',
      initial: 'a',
      states: {
        a: { after: { bakcoff: 'b', 100: 'b' } },
        b: { initial: 'c', states: { c: { after: { backoff: '#typo.a', retry: '#typo.a' } } } },
      },
    });
    expect(unknownDelays(machine)).toEqual(['typo.a: bakcoff', 'typo.b.c: retry']);
  });
});

describe('diagramFiles', () => {
  it('bundles the Mermaid, Markdown and DOT files under docs/', () => {
    const machine = createTestMachine();
    const files = diagramFiles(machine);
    expect(Object.keys(files)).toEqual(['docs/statechart.mmd', 'docs/statechart.md', 'docs/statechart.dot']);
    expect(files['docs/statechart.mmd']).toBe(toMermaid(machine));
    expect(files['docs/statechart.dot']).toBe(toDot(machine));
    const page = files['docs/statechart.md'] ?? '';
    expect(page).toContain('`npm run diagram`');
    expect(page).toContain('`machines/connection.ts`');
    expect(page).toContain(`\`\`\`mermaid\n${toMermaid(machine)}\`\`\`\n`);
  });
});
