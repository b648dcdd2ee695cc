import { hostname } from 'node:os';
import { defaultHolderName, ownerId } from '../../../src/internal/ownerId';

describe('ownerId', () => {
  it('is 128 random bits as 32 hex digits, fresh on every call', () => {
    const ids = new Set(Array.from({ length: 100 }, () => ownerId()));
    expect(ids.size).toBe(100);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe('defaultHolderName', () => {
  it('is host-pid-random', () => {
    const name = defaultHolderName();
    expect(name.startsWith(`${hostname()}-${process.pid}-`)).toBe(true);
    expect(name).toMatch(/-[0-9a-f]{6}$/);
    expect(defaultHolderName()).not.toBe(name);
  });
});
