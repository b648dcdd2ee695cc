import { leadershipLeaseKey, lockLeaseKey } from '../../../src/internal/leaseKeys';

describe('lease keys', () => {
  it('keeps locks and leadership groups of the same name apart', () => {
    expect(lockLeaseKey('jobs')).toBe('lock:jobs');
    expect(leadershipLeaseKey('jobs')).toBe('leader:jobs');
  });
});
