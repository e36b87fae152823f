/**
 * The fake OpenAI provider for bench/llm.ts, in its own process (as a real provider is never in the client's):
 * every chat call streams `chunks` (argv[3], default CHUNKS) chunks `paceMs` (argv[2]) apart, each carrying its sequence
 * number as content, then a finish chunk, a usage chunk and [DONE]. IPC: sends `{ url }` once listening; exits on `'stop'`.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';

/** Chunks per answer. */
export const CHUNKS = 200;

/** Listens on 127.0.0.1; resolves with the base URL. */
function serve(paceMs: number, chunks: number): Promise<string> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      let i = 0;
      const base = { id: 'c', object: 'chat.completion.chunk', created: 1, model: 'bench' };
      const tick = () => {
        if (res.destroyed) return;
        if (i < chunks) {
          res.write(`data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: { content: `${i}|` }, finish_reason: null }] })}\n\n`);
          i++;
          setTimeout(tick, paceMs);
        } else {
          res.write(`data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\n`);
          res.write(`data: ${JSON.stringify({ ...base, choices: [], usage: { prompt_tokens: 5, completion_tokens: chunks, total_tokens: chunks + 5 } })}\n\n`);
          res.end('data: [DONE]\n\n');
        }
      };
      tick();
    });
  });
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

// Serves only when run as the child itself (bench/llm.ts imports CHUNKS from here).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const url = await serve(Number(process.argv[2] ?? 1), Number(process.argv[3] ?? CHUNKS));
  process.send!({ url });
  process.on('message', (msg) => {
    if (msg === 'stop') process.exit(0);
  });
}
