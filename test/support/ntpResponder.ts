import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';

/**
 * A small NTP server for tests, on a free UDP port of 127.0.0.1, whose clock and network are under
 * the test's control: it answers NTP client requests (mode 3) with server replies (mode 4) whose
 * timestamps read `Date.now() + offset`, and it can delay either direction, go silent, or answer
 * as an unsynchronized server or with a kiss-o'-death.
 */
export interface NtpResponderBehaviour {
  /** The server clock minus the local clock, in ms. @defaultValue 0 */
  offset: number;
  /** Held back before the server reads its receive timestamp: the client-to-server path, in ms. @defaultValue 0 */
  requestDelay: number;
  /** Held back after the server reads its transmit timestamp: the server-to-client path, in ms. @defaultValue 0 */
  replyDelay: number;
  /** Answers no request at all. @defaultValue false */
  silent: boolean;
  /** Answers only this many more requests, then falls silent (`Infinity`: no limit). @defaultValue Infinity */
  repliesLeft: number;
  /** Stratum of the replies (0 with `kissCode` makes a kiss-o'-death, 16 means unsynchronized). @defaultValue 2 */
  stratum: number;
  /** Leap indicator of the replies (3: clock not synchronized). @defaultValue 0 */
  leapIndicator: number;
  /** Kiss code sent as reference id when `stratum` is 0. @defaultValue 'RATE' */
  kissCode: string;
  /** Root delay and root dispersion advertised, in ms. @defaultValue 0 */
  rootDelay: number;
  rootDispersion: number;
}

export interface NtpResponder {
  readonly host: '127.0.0.1';
  readonly port: number;
  /** `host:port`, as `ntpClock({ servers })` takes it. */
  readonly server: string;
  /** The behaviour, changeable at any time. */
  readonly behaviour: NtpResponderBehaviour;
  /** Requests received so far. */
  readonly requests: number;
  close(): Promise<void>;
}

const NTP_UNIX_OFFSET_SECONDS = 2_208_988_800;

/** Starts a responder on a free port of 127.0.0.1. */
export async function startNtpResponder(behaviour: Partial<NtpResponderBehaviour> = {}): Promise<NtpResponder> {
  const settings: NtpResponderBehaviour = {
    offset: 0,
    requestDelay: 0,
    replyDelay: 0,
    silent: false,
    repliesLeft: Infinity,
    stratum: 2,
    leapIndicator: 0,
    kissCode: 'RATE',
    rootDelay: 0,
    rootDispersion: 0,
    ...behaviour,
  };
  const socket = createSocket('udp4');
  const timers = new Set<NodeJS.Timeout>();
  let requests = 0;
  let closed = false;
  const later = (ms: number, action: () => void): void => {
    if (ms <= 0) return action();
    const handle = setTimeout(() => {
      timers.delete(handle);
      if (!closed) action();
    }, ms);
    timers.add(handle);
  };
  socket.on('message', (message: Buffer, remote: RemoteInfo) => {
    requests += 1;
    if (message.length < 48 || (message[0]! & 0x07) !== 3) return; // not a client request
    if (settings.silent || settings.repliesLeft <= 0) return;
    settings.repliesLeft -= 1;
    const origin = message.subarray(40, 48); // the client's transmit timestamp becomes our origin timestamp
    later(settings.requestDelay, () => {
      const received = Date.now() + settings.offset;
      const reply = Buffer.alloc(48);
      reply[0] = ((settings.leapIndicator & 0x03) << 6) | (4 << 3) | 4; // LI, version 4, mode 4 (server)
      reply[1] = settings.stratum;
      reply[2] = 4; // poll
      reply.writeInt8(-20, 3); // precision: about 1 µs
      reply.writeUInt32BE(toShortFormat(settings.rootDelay), 4);
      reply.writeUInt32BE(toShortFormat(settings.rootDispersion), 8);
      if (settings.stratum === 0) reply.write(settings.kissCode.padEnd(4, '\0').slice(0, 4), 12, 'ascii');
      else reply.write('TEST', 12, 'ascii');
      writeTimestamp(reply, 16, received - 1_000); // reference timestamp: last set a second ago
      origin.copy(reply, 24);
      writeTimestamp(reply, 32, received);
      writeTimestamp(reply, 40, Date.now() + settings.offset);
      later(settings.replyDelay, () => socket.send(reply, remote.port, remote.address));
    });
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      socket.off('error', reject);
      resolve();
    });
  });
  const { port } = socket.address();
  return {
    host: '127.0.0.1',
    port,
    server: `127.0.0.1:${port}`,
    behaviour: settings,
    get requests() {
      return requests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        closed = true;
        timers.forEach((handle) => clearTimeout(handle));
        socket.close(() => resolve());
      }),
  };
}

/** A free UDP port of 127.0.0.1 (the OS picks it). */
export function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket: Socket = createSocket('udp4');
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}

/**
 * Sends one NTP client request to `port` of 127.0.0.1 and resolves with whether a server reply
 * came within `timeout` ms (to wait until a server is up).
 */
export function ntpAnswers(port: number, timeout = 200): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    const request = Buffer.alloc(48);
    request[0] = (4 << 3) | 3; // version 4, mode 3 (client)
    writeTimestamp(request, 40, Date.now());
    const done = (answered: boolean): void => {
      clearTimeout(timer);
      socket.close();
      resolve(answered);
    };
    const timer = setTimeout(() => done(false), timeout);
    socket.on('error', () => done(false));
    socket.once('message', (message) => done(message.length >= 48 && (message[0]! & 0x07) === 4));
    socket.send(request, port, '127.0.0.1');
  });
}

/** Writes Unix milliseconds as a 64-bit NTP timestamp, rounding the fraction up so a reader truncating to ms gets `ms` back. */
function writeTimestamp(buffer: Buffer, at: number, unixMs: number): void {
  const whole = Math.floor(unixMs / 1000);
  const seconds = whole + NTP_UNIX_OFFSET_SECONDS;
  const fraction = Math.min(2 ** 32 - 1, Math.ceil(((unixMs - whole * 1000) / 1000) * 2 ** 32));
  buffer.writeUInt32BE(seconds >>> 0, at);
  buffer.writeUInt32BE(fraction, at + 4);
}

/** Milliseconds in NTP short format (16.16 seconds). */
function toShortFormat(ms: number): number {
  return Math.round((ms / 1000) * 2 ** 16) >>> 0;
}
