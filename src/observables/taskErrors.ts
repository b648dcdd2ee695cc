import { NonRetryableError } from '../errors/NonRetryableError.js';
import { fitText } from '../internal/limits.js';
import type { BackendLimits } from '../limits.js';
import type { TaskErrorInfo } from '../taskBackend.js';

/** A handler's error as the backend stores it: its name and message. */
export function errorInfo(error: unknown): TaskErrorInfo {
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: 'Error', message: typeof error === 'string' ? error : safeText(error) };
}

/** An error as the backend may store it: its name and message cut to the backend's limits. */
export function fitError(error: TaskErrorInfo, limits: BackendLimits): TaskErrorInfo {
  const name = String(error.name);
  const message = String(error.message);
  return {
    name: name.length > limits.maxNameLength ? name.slice(0, limits.maxNameLength) : name,
    message: fitText(message, limits.maxValueSize),
  };
}

/**
 * Whether a handler's error asks not to be retried: a {@link NonRetryableError} (of any copy of
 * rx-sync), or any object named like one (made by hand, or by a version without error brands).
 */
export function isNonRetryable(error: unknown): boolean {
  return (
    error instanceof NonRetryableError ||
    (typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'NonRetryableError')
  );
}

/** The stored error of a non-retryable failure: its fixed name and its message as written. */
export function nonRetryableInfo(error: unknown): TaskErrorInfo {
  const { message } = error as { message?: unknown };
  return { name: 'NonRetryableError', message: typeof message === 'string' ? message : safeText(error) };
}

function safeText(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
