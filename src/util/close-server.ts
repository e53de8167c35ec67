import type { Server } from 'node:http';

/** Stops `server` listening and closes its open connections (keep-alive ones too); resolves once it is closed. */
export function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
