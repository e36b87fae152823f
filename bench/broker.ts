import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { BrokeredAuth } from '../server/targets/mcp-router/backends/brokered-auth.js';
import { upstreamTokenSource, type TokenEndpoint } from '../server/auth/upstream-tokens.js';
import { startExchangeEndpoint } from '../test/helpers/token-server.js';
import { percentile } from './stats.js';

/** Cost per upstream message of one way to set its credential, in microseconds. */
interface ModeFigures {
  mode: string;
  /** Median and slowest of the rounds' per-message means, µs. */
  perMessageUs: { median: number; max: number };
  /** Median per-message cost over the static secret's. */
  ratio: number;
}

const ROUNDS = 30;
const PER_ROUND = 20_000;
const CALL: JSONRPCMessage = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: {} } };

/** Median µs per message of `send` over ROUNDS rounds of PER_ROUND messages (after a warm-up round). */
async function measure(send: (i: number) => Promise<void>): Promise<number[]> {
  const rounds: number[] = [];
  for (let r = -1; r < ROUNDS; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < PER_ROUND; i++) await send(i);
    if (r >= 0) rounds.push(Number(process.hrtime.bigint() - start) / 1e3 / PER_ROUND);
  }
  return rounds;
}

/**
 * `npm run bench -- broker`: what the broker adds to each upstream message once its token is cached, against a
 * static secret header, in the same run: the header the remote transport hands its send. A client-credentials hit
 * is a cache lookup; a token-exchange hit also hashes the caller's token (SHA-256) to find that caller's entry.
 * The loopback RFC 8693 endpoint issues the tokens (one exchange per mode, then every message is a hit).
 */
export async function run(): Promise<{ modes: ModeFigures[] }> {
  const sts = await startExchangeEndpoint({ id: 'bench', secret: 'bench-secret', expiresIn: 3600 });
  try {
    const endpoint = { tokenUrl: sts.tokenUrl, clientId: 'bench', clientSecret: 'bench-secret', audience: 'bench' };
    const broker = (e: TokenEndpoint) => new BrokeredAuth({ endpoint: e, tokens: upstreamTokenSource(e), server: 'bench' });
    const cc = broker({ type: 'client_credentials', ...endpoint });
    const te = broker({ type: 'token_exchange', ...endpoint });
    let sink = 0;
    const consume = (h: Record<string, string> | undefined) => {
      sink += h?.authorization?.length ?? 0;
      return Promise.resolve();
    };
    const staticHeaders = { authorization: 'Bearer static-secret-token-of-typical-length-0123456789' };
    const callers = Array.from({ length: 100 }, (_, i) => ({ authorization: `Bearer caller-token-${i}-${'x'.repeat(700)}` }));
    for (const c of callers) await te.send(CALL, c, consume);
    await cc.send(CALL, undefined, consume);
    const modes: Array<[string, (i: number) => Promise<void>]> = [
      ['static secret', () => consume({ ...staticHeaders })],
      ['client credentials, cached', () => cc.send(CALL, undefined, consume)],
      ['token exchange, cached (100 callers)', (i) => te.send(CALL, callers[i % callers.length], consume)],
    ];
    const figures: ModeFigures[] = [];
    let baseline = 0;
    for (const [mode, send] of modes) {
      const rounds = await measure(send);
      const summary = { median: percentile(rounds, 50), max: Math.max(...rounds) };
      if (baseline === 0) baseline = summary.median;
      figures.push({ mode, perMessageUs: summary, ratio: summary.median / baseline });
    }
    for (const f of figures) process.stdout.write(`${f.mode.padEnd(40)} median ${f.perMessageUs.median.toFixed(3)} µs  slowest round ${f.perMessageUs.max.toFixed(3)} µs  ×${f.ratio.toFixed(2)}\n`);
    process.stdout.write(`(${sts.requests.length} token requests in all; checksum ${sink})\n`);
    return { modes: figures };
  } finally {
    await sts.close();
  }
}
