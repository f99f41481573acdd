/**
 * A statechart state value as one readable name: `online.connecting.handshaking`; parallel
 * regions joined by commas.
 *
 * @module
 */

/** Names a state value (a string, or nested objects for compound and parallel states). */
export function stateName(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value !== 'object' || value === null) return String(value);
  return Object.entries(value as Record<string, unknown>)
    .map(([key, inner]) =>
      inner === undefined || (typeof inner === 'object' && inner !== null && Object.keys(inner).length === 0)
        ? key
        : `${key}.${stateName(inner)}`,
    )
    .join(',');
}
