import { decodeLeaseSignal, encodeLeaseSignal } from '../../../src/backends/redis/leases/leaseEventMessage.js';

describe('lease signals on the wire', () => {
  it('decodes a turn that a release sent with its grant (as releaseLease publishes it)', () => {
    const text = '{"type":"turn","next":"p1","token":"1796680000000001","lease":3000}';
    expect(decodeLeaseSignal('lock:k', text)).toEqual({
      type: 'turn',
      key: 'lock:k',
      next: 'p1',
      granted: { token: 1796680000000001, leaseDuration: 3000 },
    });
  });

  it.each([
    ['a token that is no integer', '{"type":"turn","next":"p1","token":"x","lease":3000}'],
    ['no lease', '{"type":"turn","next":"p1","token":"7"}'],
    ['a lease of 0', '{"type":"turn","next":"p1","token":"7","lease":0}'],
    ['a lease that is a string', '{"type":"turn","next":"p1","token":"7","lease":"3000"}'],
  ])('hears a turn whose grant has %s as a plain turn (the waiter asks)', (_, text) => {
    expect(decodeLeaseSignal('lock:k', text)).toEqual({ type: 'turn', key: 'lock:k', next: 'p1' });
  });

  it('encodes the signals JavaScript publishes (a turn, an event) as the scripts do', () => {
    expect(JSON.parse(encodeLeaseSignal({ type: 'turn', key: 'lock:k', next: 'p1' }))).toEqual({
      type: 'turn',
      next: 'p1',
    });
    const acquired = { type: 'acquired', key: 'lock:k', holder: 'a', token: 7 } as const;
    expect(decodeLeaseSignal('lock:k', encodeLeaseSignal(acquired))).toEqual(acquired);
  });
});
