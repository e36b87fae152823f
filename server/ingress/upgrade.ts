import { ServerResponse, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

/** The 'upgrade' listener and a way to end every upgraded connection at shutdown. */
export interface UpgradeHandler {
  handle(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Destroys every open upgraded connection (they are long-lived; a drain would never see them end). */
  closeAll(): void;
}

/**
 * Node hands `Upgrade:` requests (WebSocket) to the server's 'upgrade' event instead of 'request'. This gives
 * them a ServerResponse on the raw socket and runs the ordinary HTTP ingress, so route matching, auth, rate
 * limits and error rendering apply unchanged; the proxy target sees `req.upgrade` and tunnels the socket.
 */
export function createUpgradeHandler(handleHttp: (req: IncomingMessage, res: ServerResponse) => void): UpgradeHandler {
  const open = new Set<Duplex>();
  return {
    handle(req, socket, head) {
      open.add(socket);
      socket.once('close', () => open.delete(socket));
      socket.on('error', () => socket.destroy());
      // Bytes the parser read past the headers belong to the tunnel: put them back in front of the stream.
      if (head.length) socket.unshift(head);
      const res = new ServerResponse(req);
      res.shouldKeepAlive = false;
      res.assignSocket(socket as never);
      // A refusal (404, 401, 403, the upstream's own non-101 answer) is a complete answer: close the connection
      // after it. Nothing the client wrote behind the upgrade request is ever parsed or forwarded.
      res.once('finish', () => closeAfterAnswer(socket));
      handleHttp(req, res);
    },
    closeAll() {
      for (const s of open) s.destroy();
      open.clear();
    },
  };
}

/** How long a refused connection may linger for the client to read the answer and close its side, ms. */
const LINGER_MS = 2_000;

/**
 * Ends our side and discards whatever the client still sends (reading it, so the kernel does not answer unread
 * bytes with a reset that could destroy the answer in flight), until the client closes or the linger expires.
 */
function closeAfterAnswer(socket: Duplex): void {
  socket.end();
  socket.resume();
  socket.once('end', () => socket.destroy());
  setTimeout(() => socket.destroy(), LINGER_MS).unref();
}
