import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { spawnServe } from '../helpers/serve.js';
import { tempDir } from '../helpers/temp-dir.js';

describe('agate serve --mcp-allow-origin', () => {
  const { dir, cleanup } = tempDir();
  afterAll(cleanup);

  // What browsers send as Origin (Fetch standard): scheme, host and port only.
  it.each(['https://app.example.com/', 'https://app.example.com/app', 'app.example.com', 'ftp://app.example.com', '*'])('refuses %s with a usage error naming the flag', async (origin) => {
    const r = await runCli(['serve', '--port', '0', '--admin-port', '0', '--demo-port', '0', '--mcp-allow-origin', origin], join(dir, 'refused.db'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--mcp-allow-origin: "${origin}" is not an origin`);
  });

  it.each([
    { how: 'the flag', options: { args: ['--mcp-allow-origin', 'https://app.example.com', 'http://localhost:5173'] } },
    { how: 'AGATE_MCP_ALLOWED_ORIGINS', options: { env: { AGATE_MCP_ALLOWED_ORIGINS: 'https://app.example.com, http://localhost:5173' } } },
  ])('answers the preflight of each origin allowed by $how, and only theirs', async ({ how, options }) => {
    const gw = await spawnServe(join(dir, `${how.length}.db`), { ...options, readyTimeoutMs: 60_000 });
    try {
      const preflight = (origin: string) =>
        fetch(`${gw.url}/mcp/everything`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } });
      for (const origin of ['https://app.example.com', 'http://localhost:5173']) {
        const res = await preflight(origin);
        expect(res.status).toBe(204);
        expect(res.headers.get('access-control-allow-origin')).toBe(origin);
      }
      expect((await preflight('https://evil.example.com')).status).toBe(403);
    } finally {
      await gw.stop();
    }
  });
});
