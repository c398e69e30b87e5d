import { createServer, type Server, type Socket } from 'node:net';

/** A port on `address` that nothing listens on (bound, then released): connecting is refused. */
export function closedPort(address = '127.0.0.2'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ host: address, port: 0 }, () => {
      const bound = server.address();
      const port = typeof bound === 'object' && bound !== null ? bound.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface SilentServer {
  readonly address: string;
  readonly port: number;
  /** Connections accepted and still open (a client that gave up closes its own). */
  readonly open: ReadonlySet<Socket>;
  stop(): Promise<void>;
}

/** A TCP server that accepts connections and never says anything: a hung SSH server, for timeout tests. */
export function startSilentServer(address = '127.0.0.4'): Promise<SilentServer> {
  const open = new Set<Socket>();
  const server: Server = createServer((socket) => {
    open.add(socket);
    socket.on('error', () => undefined);
    // Read (and drop) what the client sends, so that its hang-up is seen.
    socket.resume();
    socket.on('close', () => open.delete(socket));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: address, port: 0 }, () => {
      const bound = server.address();
      const port = typeof bound === 'object' && bound !== null ? bound.port : 0;
      resolve({
        address,
        port,
        open,
        stop: () =>
          new Promise<void>((done) => {
            for (const socket of open) socket.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}
