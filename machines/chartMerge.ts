/**
 * The one function that makes the whole connection statechart of its 3.1.1 base and its MQTT 5
 * extension (spec R363). Pure, no xstate import.
 *
 * @module
 */

/** Whether `value` is a plain object (a state, `states`, `on`), not a list, a function or a name. */
const isRecord = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * `base` with `extension` merged in: objects present in both are merged key by key (the base's
 * keys first, in their order, then the extension's new ones), and any other value of the
 * extension (a transition list, an action, a name) replaces the base's. Neither argument is
 * changed; values only one side has are shared, not copied.
 */
export function mergeChart<B extends object, E extends object>(base: B, extension: E): B & E {
  const merged: Record<string, unknown> = { ...(base as Readonly<Record<string, unknown>>) };
  for (const [key, value] of Object.entries(extension)) {
    const under = merged[key];
    merged[key] = isRecord(under) && isRecord(value) ? mergeChart(under, value) : value;
  }
  return merged as B & E;
}
