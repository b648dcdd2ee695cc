/**
 * Fails the test during which an error escaped unhandled, instead of a later test (or none).
 *
 * - `unhandledRejection` / `uncaughtException`: the `process` this file sees is Jest's per-file copy, so
 *   `process.on(...)` here would never fire. jest-circus (Jest 30) listens on the real process and fails the test,
 *   or hook, that is running when the event arrives — but an error that arrives after a test has returned lands on
 *   whatever runs next: another test, another test file, or nothing (the worker crashes).
 * - RxJS reports an error that no subscriber handles (`subscribe()` without an error callback) from a zero-delay
 *   `setTimeout`, so it always arrives after a synchronous test has returned. `config.onUnhandledError` records it.
 *
 * `afterEach` therefore first waits one zero-delay timer (on the real clock, even under jest.useFakeTimers()): by
 * then the rejections, zero-delay timer throws and RxJS reports the test left behind have arrived, and fail this
 * test through its `afterEach`. Then it throws what `config.onUnhandledError` recorded.
 */
import { config } from 'rxjs';

const realSetTimeout = globalThis.setTimeout;
const unhandled: unknown[] = [];

config.onUnhandledError = (error: unknown) => {
  unhandled.push(error);
};

afterEach(async () => {
  await new Promise<void>((resolve) => realSetTimeout(resolve, 0));
  const errors = unhandled.splice(0);
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateError(errors, `${errors.length} errors escaped unhandled during the test`);
});
