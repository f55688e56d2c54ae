import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** What a server sent back on one raw connection, and whether (and when) it closed it. */
export interface RawExchange {
  /** Everything received, as text. */
  raw: string;
  /** The first answer's status, headers (names in lower case) and body; status 0 when none. */
  status: number;
  headers: Record<string, string>;
  body: string;
  /** How many answers arrived (an HTTP status line each). */
  answers: number;
  /** The server closed the connection (before `waitMs` ran out, or the first answer was whole). */
  closed: boolean;
  /** Milliseconds from connecting until the server closed the connection, or until `waitMs`. */
  ms: number;
}

/**
 * Sends `parts` on a new connection to the server on `port`, each `gapMs` after the previous one
 * (a string or bytes; a number pauses that long), then waits until the server closes the
 * connection or `waitMs` passes — or, with `untilAnswer`, until the first answer is whole (a
 * kept-alive connection stays open). For what `http.request` cannot send: malformed requests,
 * oversized headers, and requests that stall half-way.
 */
export function rawExchange(
  port: number,
  parts: (string | Buffer | number)[],
  { waitMs = 10_000, untilAnswer = false }: { waitMs?: number; untilAnswer?: boolean } = {},
): Promise<RawExchange> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let closed = false;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(parse(Buffer.concat(chunks).toString('latin1'), closed, Date.now() - started));
    };
    const timer = setTimeout(finish, waitMs);
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      if (untilAnswer && whole(Buffer.concat(chunks).toString('latin1'))) finish();
    });
    socket.on('close', () => {
      closed = true;
      finish();
    });
    // A reset after the answer still counts as closed; before any answer it is a failure.
    socket.on('error', (error) => {
      if (chunks.length === 0 && !done) {
        done = true;
        clearTimeout(timer);
        reject(error);
      }
    });
    socket.once('connect', async () => {
      for (const part of parts) {
        if (socket.destroyed) return;
        if (typeof part === 'number') await sleep(part);
        else socket.write(part);
      }
    });
  });
}

/** The first answer has arrived in full: its headers and as many body bytes as it announced. */
function whole(raw: string): boolean {
  const end = raw.indexOf('\r\n\r\n');
  if (end === -1) return false;
  const length = /\r\ncontent-length: *(\d+)/i.exec(raw.slice(0, end))?.[1];
  return raw.length - (end + 4) >= Number(length ?? 0);
}

function parse(raw: string, closed: boolean, ms: number): RawExchange {
  const answers = raw.match(/^HTTP\/1\.1 \d{3}/gm)?.length ?? 0;
  const end = raw.indexOf('\r\n\r\n');
  if (!raw.startsWith('HTTP/') || end === -1) {
    return { raw, status: 0, headers: {}, body: '', answers, closed, ms };
  }
  const [statusLine, ...lines] = raw.slice(0, end).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const length = Number(headers['content-length'] ?? 0);
  const body = Buffer.from(raw.slice(end + 4), 'latin1')
    .subarray(0, length)
    .toString('utf8');
  return { raw, status: Number(statusLine!.split(' ')[1]), headers, body, answers, closed, ms };
}
