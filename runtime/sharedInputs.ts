/**
 * The statechart inputs that clients share: equal inputs are one object, so a fleet of clients
 * with the same timings holds one input, and caches keyed by it (the step driver's memo) pay off.
 */
import type { ConnectionInput } from '../machines/events.js';

/** Inputs seen so far, by their JSON: the clients of a fleet mostly have one. */
const inputs = new Map<string, ConnectionInput>();
const MAX_SHARED_INPUTS = 256;

/**
 * The statechart's input: an equal one made before, if any. Inputs are plain data that nothing
 * writes to, so clients with equal timings share one, rather than five small objects each.
 */
export function shared(input: ConnectionInput): ConnectionInput {
  const key = JSON.stringify(input);
  const known = inputs.get(key);
  if (known !== undefined) return known;
  if (inputs.size < MAX_SHARED_INPUTS) {
    inputs.set(key, input);
    sharedIds.set(input.servers, sharedIds.size);
    sharedIds.set(input.options, sharedIds.size);
  }
  return input;
}

const sharedIds = new Map<object, number>();

/** Whether `input` is one that many clients may share (so caching by it pays off). */
export function isSharedInput(input: ConnectionInput): boolean {
  // Its options object is made with it and named only when it is shared (no second set kept).
  return sharedIds.has(input.options);
}

/** A number naming the servers or options of a shared input; undefined for any other object. */
export function sharedId(part: object): number | undefined {
  return sharedIds.get(part);
}
