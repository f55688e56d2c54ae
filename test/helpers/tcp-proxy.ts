import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy on a loopback port in front of another address, for losing database connections
 * on purpose while the database itself stays up: `cut()` ends every connection through it (the
 * client sees the socket close, as when PostgreSQL crashes or a network path breaks), `refuse()`
 * stops accepting (new connections are refused, as when the database is down) and `accept()`
 * lets them through again.
 */
export class TcpProxy {
  private readonly pairs = new Set<[Socket, Socket]>();
  private server: Server | null = null;

  private constructor(
    private readonly target: { host: string; port: number },
    readonly port: number,
  ) {}

  /** Listens on `port` (0: a free one) and forwards to `target`. */
  static async start(target: { host: string; port: number }, port = 0): Promise<TcpProxy> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    if (!address || typeof address === 'string') throw new Error('proxy has no port');
    const proxy = new TcpProxy(target, address.port);
    proxy.serve(server);
    return proxy;
  }

  /** `postgres://…` with the host and port replaced by the proxy's. */
  urlFor(databaseUrl: string): string {
    const url = new URL(databaseUrl);
    url.hostname = '127.0.0.1';
    url.port = String(this.port);
    return url.toString();
  }

  /** Connections open through the proxy right now. */
  get open(): number {
    return this.pairs.size;
  }

  /** Ends every connection through the proxy: each side sees its peer close the socket. */
  cut(): void {
    for (const [client, upstream] of this.pairs) {
      client.destroy();
      upstream.destroy();
    }
    this.pairs.clear();
  }

  /** Cuts every connection and refuses new ones until `accept()`. */
  async refuse(): Promise<void> {
    const server = this.server;
    this.server = null;
    this.cut();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Accepts connections again, on the same port. */
  async accept(): Promise<void> {
    if (this.server) return;
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.serve(server);
  }

  async stop(): Promise<void> {
    await this.refuse();
  }

  private serve(server: Server): void {
    this.server = server;
    server.on('connection', (client) => {
      const upstream = connect(this.target.port, this.target.host);
      const pair: [Socket, Socket] = [client, upstream];
      this.pairs.add(pair);
      const drop = () => {
        this.pairs.delete(pair);
        client.destroy();
        upstream.destroy();
      };
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
      client.pipe(upstream);
      upstream.pipe(client);
    });
  }
}
