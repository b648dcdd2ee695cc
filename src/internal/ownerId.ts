import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/** A fresh secret owner id: 128 random bits as 32 hex digits. */
export function ownerId(): string {
  return randomBytes(16).toString('hex');
}

/** A short public name for a contender that did not give one: host-pid-random. */
export function defaultHolderName(): string {
  return `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
}
