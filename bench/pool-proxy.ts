import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { packageRoot } from '../registry/index.js';
import { freePort } from './local.js';

/**
 * The baseline of issue #20: the cheapest correct Node proxy, written plainly: node:http in, one undici Pool out,
 * hop-by-hop headers stripped both ways, bodies piped both ways (an SSE answer is piped as it comes). Run as
 * `node -e POOL_PROXY <port> <upstream origin>`; prints `ready` once listening. Shown verbatim in
 * docs/benchmarks.md; `proxy` runs it as path (b), `llm` as the baseline of part (a).
 */
export const POOL_PROXY = `
const http = require('node:http');
const { Pool } = require(${JSON.stringify(join(packageRoot(), 'node_modules', 'undici'))});
const pool = new Pool(process.argv[2], { connections: 128, keepAliveTimeout: 10000 });
const HOP = new Set(['connection','keep-alive','proxy-connection','te','trailer','transfer-encoding','upgrade','host']);
http.createServer((req, res) => {
  const headers = {};
  for (const k in req.headers) if (!HOP.has(k)) headers[k] = req.headers[k];
  const body = req.method === 'GET' || req.method === 'HEAD' ? null : req;
  pool.request({ path: req.url, method: req.method, headers, body }).then((up) => {
    const out = {};
    for (const k in up.headers) if (!HOP.has(k)) out[k] = up.headers[k];
    res.writeHead(up.statusCode, out);
    up.body.on('error', () => res.destroy()).pipe(res);
  }, () => { if (!res.headersSent) res.writeHead(502); res.end(); });
}).listen(Number(process.argv[1]), '127.0.0.1', () => process.stdout.write('ready\\n'));`;

/** A running {@link POOL_PROXY}: its origin, its process id (to read its CPU from /proc) and a stop. */
export interface PoolProxy {
  readonly url: string;
  readonly pid: number | undefined;
  stop(): Promise<void>;
}

/**
 * Starts {@link POOL_PROXY} in its own process in front of `upstream` (an origin), with Node flags `execArgv`
 * (e.g. `--cpu-prof`); resolves once it listens.
 */
export async function startPoolProxy(upstream: string, execArgv: readonly string[] = []): Promise<PoolProxy> {
  const port = await freePort();
  // With flags (a profile), SIGTERM exits through process.exit, which is when Node writes a --cpu-prof profile; the
  // handler sits outside the baseline's code, so its code stays as published.
  const onTerm = execArgv.length === 0 ? [] : ['--import', "data:text/javascript,process.on('SIGTERM',()=>process.exit(0))"];
  const child = spawn(process.execPath, [...execArgv, ...onTerm, '-e', POOL_PROXY, String(port), upstream], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`pool proxy exited (${String(code)}) before listening`)));
  });
  child.stdout!.resume();
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid,
    stop: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  };
}
