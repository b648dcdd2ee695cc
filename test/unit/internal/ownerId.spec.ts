import { hostname } from 'node:os';
import { defaultHolderName, ownerId } from '../../../src/internal/ownerId';

describe('ownerId', () => {
  it('is a random UUID as 32 hex digits, fresh on every call', () => {
    const ids = new Set(Array.from({ length: 100 }, () => ownerId()));
    expect(ids.size).toBe(100);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe('defaultHolderName', () => {
  it('is host-pid-n, n counting the contenders of this process', () => {
    const name = defaultHolderName();
    expect(name.startsWith(`${hostname()}-${process.pid}-`)).toBe(true);
    const n = Number(/-(\d+)$/.exec(name)?.[1]);
    expect(defaultHolderName()).toBe(`${hostname()}-${process.pid}-${n + 1}`);
  });
});
