import type { IncomingMessage, Server, ServerResponse } from 'node:http';

/**
 * `Expect: 100-continue` answered when the body is wanted, not on arrival. Node sends `100 Continue` before any
 * handler runs unless the server listens for 'checkContinue'; a client declaring 10 GB was then invited to send
 * it even though the answer would be 413. Here the request goes through the ordinary 'request' path and the 100
 * goes out only when something starts reading the body (a 'data'/'readable' listener, `resume()`, `pipe()`), and
 * never after the final answer's head. A refusal that does not read the body therefore never invites it
 * (RFC 9110 §10.1.1: a server may answer with a final status instead).
 */
export function continueOnRead(server: Server): void {
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    const invite = () => {
      req.removeListener('resume', invite);
      req.removeListener('newListener', onListener);
      if (!res.headersSent && !res.writableEnded) res.writeContinue();
    };
    const onListener = (event: string | symbol) => {
      if (event === 'data' || event === 'readable') invite();
    };
    req.once('resume', invite);
    req.on('newListener', onListener);
    server.emit('request', req, res);
  });
}
