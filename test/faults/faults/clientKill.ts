import type { Redis } from 'ioredis';
import { hold, type Fault } from './fault.js';

/** The ids of the connections whose name `accept` takes (`CLIENT LIST`, optionally of one type). */
export async function connectionIds(
  admin: Redis,
  accept: (name: string) => boolean,
  type?: 'pubsub' | 'normal',
): Promise<string[]> {
  const list = String(await admin.call('CLIENT', 'LIST', ...(type ? ['TYPE', type] : [])));
  return list
    .split('\n')
    .map(
      (line) =>
        Object.fromEntries(
          line
            .trim()
            .split(' ')
            .map((field) => field.split('=', 2)),
        ) as Record<string, string>,
    )
    .filter((fields) => fields['id'] !== undefined && accept(fields['name'] ?? ''))
    .map((fields) => fields['id']!);
}

/** Kills connections by id; resolves with how many Redis killed. */
export async function killConnections(admin: Redis, ids: readonly string[]): Promise<number> {
  let killed = 0;
  for (const id of ids) killed += Number(await admin.client('KILL', 'ID', id).catch(() => 0));
  return killed;
}

/** `CLIENT KILL` of every connection of one worker: its command connection and its subscriber. */
export const clientKill: Fault = {
  name: 'client-kill',
  summary: 'CLIENT KILL of every connection of the holder (command and subscriber)',
  scope: 'worker',
  async inject({ environment, target, note }) {
    const ids = await connectionIds(environment.admin, (name) => name === `fault-${target.id}`);
    note(`killed ${await killConnections(environment.admin, ids)} connections of ${target.id}`);
    await hold(environment.leaseDuration / 2);
  },
};

/** `CLIENT KILL TYPE pubsub` for the workers: every subscriber connection at once. */
export const clientKillPubsub: Fault = {
  name: 'client-kill-pubsub',
  summary: "CLIENT KILL of every worker's subscriber connection (CLIENT LIST TYPE pubsub)",
  scope: 'server',
  async inject({ environment, note }) {
    const ids = await connectionIds(environment.admin, (name) => name.startsWith('fault-w'), 'pubsub');
    note(`killed ${await killConnections(environment.admin, ids)} subscriber connections`);
    await hold(environment.leaseDuration / 2);
  },
};
