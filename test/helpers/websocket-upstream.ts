import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** RFC 6455 §1.3: the GUID the server appends to the client's key to prove it speaks WebSocket. */
const HANDSHAKE_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** One accepted WebSocket connection on the upstream. */
export interface UpstreamConnection {
  readonly path: string;
  /** Sends a text message to the client. */
  send(text: string): void;
  /** Resolves when the TCP connection has closed, whoever closed it. */
  readonly closed: Promise<void>;
}

/** A WebSocket server on 127.0.0.1:0 built on node:http's 'upgrade' event. */
export interface WebSocketUpstream {
  /** Base URL for routes: `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly connections: UpstreamConnection[];
  close(): Promise<void>;
}

/**
 * Starts a WebSocket upstream that echoes every text message except those starting with `no-echo:`, answers
 * pings and close frames. Only what the tests need of RFC 6455: unfragmented frames up to 64 KiB.
 */
export async function startWebSocketUpstream(): Promise<WebSocketUpstream> {
  const connections: UpstreamConnection[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((_req, res) => res.writeHead(426, { upgrade: 'websocket' }).end());
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    sockets.add(socket);
    const accept = createHash('sha1').update(`${req.headers['sec-websocket-key']}${HANDSHAKE_GUID}`).digest('base64');
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
    const send = (opcode: number, payload: Buffer) => {
      if (!socket.destroyed) socket.write(frame(opcode, payload));
    };
    connections.push({
      path: req.url ?? '',
      send: (text) => send(0x1, Buffer.from(text)),
      closed: new Promise((resolve) => socket.once('close', () => resolve())),
    });
    let buffered = head;
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      for (let parsed = parseFrame(buffered); parsed; parsed = parseFrame(buffered)) {
        buffered = buffered.subarray(parsed.length);
        if (parsed.opcode === 0x1 && !parsed.payload.toString().startsWith('no-echo:')) send(0x1, parsed.payload);
        else if (parsed.opcode === 0x9) send(0xa, parsed.payload);
        else if (parsed.opcode === 0x8) {
          send(0x8, parsed.payload);
          socket.end();
        }
      }
    });
    // node:http leaves upgraded sockets half-open: close ours when the peer closes its side, as WebSocket servers do.
    socket.on('end', () => socket.end());
    socket.on('error', () => socket.destroy());
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    connections,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** An unmasked (server-to-client) frame with FIN set. */
function frame(opcode: number, payload: Buffer): Buffer {
  const header = payload.length < 126 ? Buffer.from([0x80 | opcode, payload.length]) : Buffer.from([0x80 | opcode, 126, payload.length >> 8, payload.length & 0xff]);
  return Buffer.concat([header, payload]);
}

/** The first complete frame in `data` (unmasked payload and bytes used), or undefined when more is needed. */
function parseFrame(data: Buffer): { opcode: number; payload: Buffer; length: number } | undefined {
  if (data.length < 2) return undefined;
  const opcode = data[0]! & 0x0f;
  const masked = (data[1]! & 0x80) !== 0;
  let length = data[1]! & 0x7f;
  let offset = 2;
  if (length === 126) {
    if (data.length < 4) return undefined;
    length = data.readUInt16BE(2);
    offset = 4;
  } else if (length === 127) {
    throw new Error('frames over 64 KiB are not supported by this test upstream');
  }
  const maskAt = offset;
  if (masked) offset += 4;
  if (data.length < offset + length) return undefined;
  const payload = Buffer.from(data.subarray(offset, offset + length));
  if (masked) for (let i = 0; i < payload.length; i++) payload[i]! ^= data[maskAt + (i % 4)]!;
  return { opcode, payload, length: offset + length };
}
