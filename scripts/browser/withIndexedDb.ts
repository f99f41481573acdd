/**
 * What `npm run size` measures for a browser client with a durable session: the browser entry and
 * the IndexedDB store entry together, as an app importing both bundles them (spec R196).
 *
 * @module
 */
export * from '../../browser.js';
export * from '../../browserIndexedDb.js';
