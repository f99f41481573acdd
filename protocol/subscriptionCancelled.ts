/**
 * The error of a subscription withdrawn before its SUBACK, split from `subscriptions.ts` to keep
 * that file small.
 *
 * @module
 */
import { SubscribeError } from '../errors.js';

/**
 * A `subscribe` was withdrawn by `unsubscribe` before its SUBSCRIBE could be acknowledged (code
 * `SUBSCRIBE_FAILED`, like a refusal, since the subscription does not exist).
 */
export class SubscriptionCancelledError extends SubscribeError {
  constructor(filter: string) {
    super(filter);
    this.name = 'SubscriptionCancelledError';
    this.message = `the subscription to ${JSON.stringify(filter)} was withdrawn before the broker acknowledged it`;
  }
}
