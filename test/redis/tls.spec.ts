import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect as connectPlain } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TLSSocket, type ConnectionOptions } from 'node:tls';
import { Redis, type RedisOptions } from 'ioredis';
import { firstValueFrom } from 'rxjs';
import { BackendUnavailableError, lock } from 'rx-sync';
import { createRedisBackend, type RedisBackend } from 'rx-sync/redis';
import { describeBackendContract } from '../contract/backendContract.js';
import { describeTaskBackendContract } from '../contract/taskBackendContract.js';
import { freePort } from '../support/redisServer.js';
import { closeClient, useRedisServer } from '../support/redisTestKit.js';
import { randomPrefix, waitUntil } from '../support/testKit.js';

/**
 * rx-sync over TLS with certificate checking on: a CA and a server certificate (for `localhost`
 * and 127.0.0.1) are made with `openssl` in a temporary directory, redis-server listens on a TLS
 * port only (`--port 0`), and ioredis trusts that CA alone (`rejectUnauthorized: true`, the
 * server name checked). Both contract suites run through it; a client that does not trust the CA,
 * or expects another name, is refused with a clear certificate error.
 */
interface Certificates {
  readonly directory: string;
  readonly ca: string;
  readonly serverCertificate: string;
  readonly serverKey: string;
  /** A second CA that signed nothing the server has. */
  readonly otherCa: string;
}

function openssl(directory: string, ...args: string[]): void {
  execFileSync('openssl', args, { cwd: directory, stdio: ['ignore', 'ignore', 'pipe'] });
}

function makeCertificates(): Certificates {
  const directory = mkdtempSync(join(tmpdir(), 'rx-sync-tls-'));
  const subject = (name: string): string[] => ['-subj', `/CN=${name}`];
  const newKey = ['-newkey', 'rsa:2048', '-nodes'];
  openssl(
    directory,
    'req',
    '-x509',
    ...newKey,
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '1',
    ...subject('rx-sync test CA'),
  );
  openssl(
    directory,
    'req',
    '-x509',
    ...newKey,
    '-keyout',
    'other-ca.key',
    '-out',
    'other-ca.crt',
    '-days',
    '1',
    ...subject('another CA'),
  );
  openssl(directory, 'req', ...newKey, '-keyout', 'server.key', '-out', 'server.csr', ...subject('localhost'));
  writeFileSync(join(directory, 'server.ext'), 'subjectAltName = DNS:localhost, IP:127.0.0.1\n');
  openssl(
    directory,
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.crt',
    '-days',
    '1',
    '-extfile',
    'server.ext',
  );
  return {
    directory,
    ca: join(directory, 'ca.crt'),
    serverCertificate: join(directory, 'server.crt'),
    serverKey: join(directory, 'server.key'),
    otherCa: join(directory, 'other-ca.crt'),
  };
}

let certificates: Certificates;
let client: Redis;

/** ioredis options for the TLS server: trust only `ca`, check the name `localhost`. */
function tlsOptions(tls: ConnectionOptions, options: RedisOptions = {}): RedisOptions {
  return { host: '127.0.0.1', port: server.port, tls, ...options };
}

// Declared before useRedisServer(): afterAll hooks run in declaration order, so this one runs while the server is up.
afterAll(() => closeClient(client));
const server = useRedisServer(async () => {
  certificates = makeCertificates();
  const port = await freePort();
  return {
    port,
    args: [
      '--port',
      '0', // no plain-text port (it overrides the harness's `--port`)
      '--tls-port',
      String(port),
      '--tls-cert-file',
      certificates.serverCertificate,
      '--tls-key-file',
      certificates.serverKey,
      '--tls-ca-cert-file',
      certificates.ca,
      '--tls-auth-clients',
      'no',
    ],
  };
});
afterAll(() => rmSync(certificates.directory, { recursive: true, force: true }));
beforeAll(async () => {
  client = new Redis(
    tlsOptions(
      { ca: readFileSync(certificates.ca), servername: 'localhost', rejectUnauthorized: true },
      { enableOfflineQueue: false, lazyConnect: true },
    ),
  );
  await client.connect();
});

describe('over TLS, certificate checked', () => {
  it('is encrypted and verified: the socket is TLS, authorized, with the CA-signed certificate; no plain port', async () => {
    const stream = client.stream;
    expect(stream).toBeInstanceOf(TLSSocket);
    const socket = stream as TLSSocket;
    expect(socket.authorized).toBe(true);
    expect(socket.getPeerCertificate().subject.CN).toBe('localhost');
    expect(socket.getProtocol()).toMatch(/^TLSv1\.[23]$/);
    // A plain-text client gets no Redis answer on that port.
    const answer = await new Promise<string>((resolve) => {
      const plain = connectPlain(server.port, '127.0.0.1', () => plain.write('PING\r\n'));
      let received = '';
      plain.on('data', (chunk) => (received += chunk.toString('latin1')));
      plain.on('error', () => resolve(received));
      plain.on('close', () => resolve(received));
      plain.setTimeout(2_000, () => plain.destroy());
    });
    expect(answer).not.toContain('+PONG');
  });

  const contract = { teardown: (backend: RedisBackend) => backend.close() };
  describeBackendContract(
    'redis (TLS)',
    () => createRedisBackend({ client, prefix: randomPrefix('tls'), expiryCheckInterval: 100 }),
    { ...contract, announcesLeaseExpiry: false },
  );
  describeTaskBackendContract(
    'redis (TLS)',
    () => createRedisBackend({ client, prefix: randomPrefix('tls-tasks') }),
    contract,
  );
});

describe('a client that does not trust the server', () => {
  /**
   * Connects with `tls`, never retrying, and returns the first connection error ioredis reports
   * and what rx-sync's request then fails with.
   */
  async function refusedWith(tls: ConnectionOptions): Promise<{ connection: Error; request: unknown }> {
    const untrusting = new Redis(
      tlsOptions(tls, { retryStrategy: () => null, maxRetriesPerRequest: 0, disconnectTimeout: 100 }),
    );
    const errors: Error[] = [];
    untrusting.on('error', (error: Error) => errors.push(error));
    const backend = createRedisBackend({
      client: untrusting,
      prefix: randomPrefix('untrusting'),
      requestTimeout: 3_000,
    });
    try {
      const request = await firstValueFrom(lock(backend, 'never', { acquireTimeout: 3_000 })).then(
        () => new Error('acquired over an unverified connection'),
        (error: unknown) => error,
      );
      await waitUntil(() => errors.length > 0, 5_000, 'a connection error');
      return { connection: errors[0]!, request };
    } finally {
      await backend.close();
      untrusting.disconnect();
    }
  }

  it('without the CA: fails with "self-signed certificate in certificate chain"', async () => {
    const { connection, request } = await refusedWith({ servername: 'localhost', rejectUnauthorized: true });
    expect(connection).toMatchObject({ code: 'SELF_SIGNED_CERT_IN_CHAIN' });
    expect(connection.message).toMatch(/self[- ]signed certificate in certificate chain/);
    expect(request).toBeInstanceOf(BackendUnavailableError);
  });

  it('trusting another CA only: fails the same way', async () => {
    const { connection, request } = await refusedWith({
      ca: readFileSync(certificates.otherCa),
      servername: 'localhost',
      rejectUnauthorized: true,
    });
    expect(connection).toMatchObject({ code: 'SELF_SIGNED_CERT_IN_CHAIN' });
    expect(request).toBeInstanceOf(BackendUnavailableError);
  });

  it('expecting another server name: fails with ERR_TLS_CERT_ALTNAME_INVALID', async () => {
    const { connection, request } = await refusedWith({
      ca: readFileSync(certificates.ca),
      servername: 'redis.example.com',
      rejectUnauthorized: true,
    });
    expect(connection).toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
    expect(connection.message).toMatch(/does not match certificate's altnames/);
    expect(request).toBeInstanceOf(BackendUnavailableError);
  });
});
