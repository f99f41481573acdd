/**
 * The RxJS names `MqttClient` and its streams use, imported here once: a bundle then carries one
 * `import` of rxjs instead of one per module that uses it. Operators only some apps use
 * (`ofType`, `text`, `json`, `decode`, `whenState`) import theirs in their own modules, which a
 * bundle without them leaves out, import and all.
 * Internal: not in the index.
 *
 * @module
 */
export { distinctUntilChanged, Observable, throwError } from 'rxjs';
