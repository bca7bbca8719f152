import type { Server } from 'node:http';

/**
 * `server.listen` as a promise, with the failures people meet said plainly: a port in use (name
 * it, say what to do), a privileged port.
 */
export function listen(server: Server, host: string, port: number, setting = '--port'): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') {
        reject(
          new Error(
            `port ${port} on ${host} is already in use: stop what holds it, or pick another with ${setting}`,
          ),
        );
      } else if (error.code === 'EACCES') {
        reject(new Error(`not allowed to listen on ${host}:${port} (a port below 1024 needs privileges)`));
      } else reject(error);
    });
    server.listen(port, host, () => resolve());
  });
}
