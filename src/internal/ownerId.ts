import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';

/**
 * A fresh secret owner id: a random UUID's 122 random bits, as 32 hex digits. `randomUUID` draws
 * from a cached entropy pool, so minting one per acquisition costs next to nothing.
 */
export function ownerId(): string {
  return randomUUID().replaceAll('-', '');
}

let processName: string | undefined;
let contenders = 0;

/**
 * A short public name for a contender that did not give one: `host-pid-n`, `n` counting this
 * process's contenders (the host name is read once: `os.hostname()` is a system call, and cut to
 * 64 characters, as Linux allows, so that the name fits any backend's `limits.maxNameLength`).
 */
export function defaultHolderName(): string {
  processName ??= `${hostname().slice(0, 64)}-${process.pid}`;
  return `${processName}-${++contenders}`;
}
