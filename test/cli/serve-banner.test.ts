import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INSPECTOR_VERSION } from '../../cli/inspector-command.js';
import { waitFor } from '../helpers/gateway.js';
import { spawnServe, type ServeProcess } from '../helpers/serve.js';
import { tempDir } from '../helpers/temp-dir.js';
import { freePort } from '../helpers/free-port.js';

describe('the agate serve banner', () => {
  const tmp = tempDir();
  let serve: ServeProcess;
  let banner: string;
  let demoPort: number;

  beforeAll(async () => {
    demoPort = await freePort();
    serve = await spawnServe(join(tmp.dir, 'agate.db'), { args: ['--demo-port', String(demoPort)] });
    banner = await waitFor(() => (serve.stderr().includes('npx agate status') ? serve.stderr() : undefined), 'the banner');
  });
  afterAll(async () => {
    await serve?.stop();
    tmp.cleanup();
  });

  it('its Try: lines use the bound ports: the gateway, and the demo upstream the echo route proxies to', async () => {
    const local = `http://127.0.0.1:${new URL(serve.url).port}`;
    expect(banner).toContain(`  npx agate route add echo --path /echo --upstream http://127.0.0.1:${demoPort} --strip-prefix && curl ${local}/echo/hi`);
    expect(banner).not.toContain(':8002');
    // The route it suggests works as printed.
    const res = await fetch(`${local}/demo/hello`);
    expect(res.status).toBe(200);
  });

  it('its Inspector line is the pinned command that works on Node 20 (npx resolves a bare name to 0.15.0 there)', () => {
    const local = `http://127.0.0.1:${new URL(serve.url).port}`;
    expect(banner).toContain(
      `  npx -y -p node@22 -p @modelcontextprotocol/inspector@${INSPECTOR_VERSION} -- mcp-inspector --cli ${local}/mcp/time --transport http --method tools/list\n`,
    );
  });
});
