/**
 * What the chart step (chartStep.ts) supports of a statechart config, checked before it runs one:
 * a machine change that uses anything else (history, final states, wildcards, invoked actors,
 * inline functions, unknown names...) fails loudly here rather than stepping differently from
 * xstate (spec R347).
 *
 * @module
 */
import { DELAYS, EFFECT_NAMES, EMITS } from '../machines/implementations.js';
// The whole chart's names: the base's and the MQTT 5 extension's (R363).
import { ALL_GUARDS as GUARDS, ALL_UPDATES as UPDATES } from '../machines/implementationsV5.js';

const STATE_KEYS = new Set(['type', 'initial', 'states', 'on', 'after', 'always', 'entry', 'exit']);
const ROOT_KEYS = new Set([...STATE_KEYS, 'id', 'context']);
const TRANSITION_KEYS = new Set(['target', 'guard', 'reenter', 'actions']);
const ACTION_NAMES = new Set<string>([
  ...Object.keys(UPDATES),
  ...Object.keys(EMITS),
  ...EFFECT_NAMES,
  'recordTimeout',
  'emitDisconnected',
]);

type Config = Readonly<Record<string, unknown>>;
const isRecord = (value: unknown): value is Config =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const list = (value: unknown): readonly unknown[] => (Array.isArray(value) ? value : [value]);

/**
 * The features of `config` the chart step does not support, one line each (empty when it runs
 * the config exactly as xstate v5 would).
 */
export function unsupportedChartFeatures(config: Config): string[] {
  const problems: string[] = [];
  const states = new Map<string, Config>();
  const ids = new Set<string>();
  const walk = (state: Config, path: readonly string[]): void => {
    const at = path.length === 0 ? 'the root' : path.join('.');
    ids.add([config.id, ...path].join('.'));
    states.set(path.join('.'), state);
    for (const key of Object.keys(state))
      if (!(path.length === 0 ? ROOT_KEYS : STATE_KEYS).has(key))
        problems.push(`${at}: '${key}' is not supported`);
    if (state.type !== undefined && state.type !== 'parallel')
      problems.push(`${at}: type '${String(state.type)}' is not supported`);
    const children = isRecord(state.states) ? Object.keys(state.states) : [];
    if (state.type !== 'parallel' && children.length > 0 && !children.includes(state.initial as string))
      problems.push(`${at}: a compound state needs 'initial' naming a child`);
    for (const child of children) walk((state.states as Config)[child] as Config, [...path, child]);
  };
  walk(config, []);
  const action = (at: string, value: unknown): void => {
    const name = typeof value === 'string' ? value : isRecord(value) ? value.type : undefined;
    if (typeof name !== 'string' || !ACTION_NAMES.has(name))
      problems.push(
        `${at}: action ${typeof name === 'string' ? `'${name}'` : '(inline)'} is not a known name`,
      );
    if (isRecord(value)) {
      for (const key of Object.keys(value))
        if (key !== 'type' && key !== 'params') problems.push(`${at}: action key '${key}' is not supported`);
      const params = value.params;
      if (params !== undefined && typeof params !== 'function' && !isRecord(params))
        problems.push(`${at}: params must be an object or a function`);
    }
  };
  const transition = (at: string, value: unknown, eventless: boolean): void => {
    const t = typeof value === 'string' ? { target: value } : value;
    if (!isRecord(t)) return void problems.push(`${at}: a transition must be a target or an object`);
    for (const key of Object.keys(t))
      if (!TRANSITION_KEYS.has(key)) problems.push(`${at}: transition key '${key}' is not supported`);
    if (t.guard !== undefined && !(typeof t.guard === 'string' && Object.hasOwn(GUARDS, t.guard)))
      problems.push(`${at}: guard must be a known name`);
    if (eventless && t.target === undefined) problems.push(`${at}: an eventless transition needs a target`);
    if (t.target !== undefined && !targetExists(at, t.target))
      problems.push(`${at}: no target ${String(t.target)}`);
    for (const a of t.actions === undefined ? [] : list(t.actions)) action(at, a);
  };
  const targetExists = (at: string, target: unknown): boolean => {
    if (typeof target !== 'string') return false;
    if (target.startsWith('#')) return ids.has(target.slice(1));
    const parent = at.split(' ')[0]?.split('.').slice(0, -1).join('.') ?? '';
    return states.has(parent === '' ? target : `${parent}.${target}`);
  };
  for (const [path, state] of states) {
    const at = path === '' ? '' : path;
    for (const key of ['entry', 'exit'] as const)
      for (const a of state[key] === undefined ? [] : list(state[key])) action(`${at} ${key}`, a);
    const on = isRecord(state.on) ? state.on : {};
    for (const event of Object.keys(on)) {
      if (event.includes('*') || event === '')
        problems.push(`${at}: event '${event}' (wildcards) is not supported`);
      for (const t of list(on[event])) transition(`${at} on ${event}`, t, false);
    }
    const after = isRecord(state.after) ? state.after : {};
    for (const delay of Object.keys(after)) {
      if (!Object.hasOwn(DELAYS, delay)) problems.push(`${at}: delay '${delay}' is not a known name`);
      for (const t of list(after[delay])) transition(`${at} after ${delay}`, t, false);
    }
    if (state.always !== undefined) for (const t of list(state.always)) transition(`${at} always`, t, true);
  }
  return problems;
}

/** Throws when `config` uses a feature the chart step does not support (see {@link unsupportedChartFeatures}). */
export function assertChartFeatures(config: Config): void {
  const problems = unsupportedChartFeatures(config);
  if (problems.length > 0)
    throw new Error(
      `the chart step cannot run this statechart: ${problems.join('; ')} (run it with driver: createActorDriver, or extend runtime/chartStep.ts)`,
    );
}
