/**
 * The RxJS names the client and its streams use, imported here once: a bundle then carries one
 * `import` of rxjs instead of one per module that uses it.
 * Internal: not in the index.
 *
 * @module
 */
export { distinctUntilChanged, filter, map, Observable, type OperatorFunction, throwError } from 'rxjs';
