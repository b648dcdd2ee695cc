/**
 * Backend keys of the two kinds of lease, kept apart so that a lock and a leadership group of the
 * same name never collide. A backend may wrap the whole key in a hash tag.
 */
export function lockLeaseKey(key: string): string {
  return `lock:${key}`;
}

/** The backend key of a leadership group's lease. */
export function leadershipLeaseKey(group: string): string {
  return `leader:${group}`;
}
