import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import { startGateway, type RunningGateway } from '../../server/index.js';
import type { BackendFactory, BackendRecipe } from '../../server/targets/mcp-router/index.js';
import type { HostedServerDefinition } from '../../servers/index.js';
import { createConformanceMcpServer, startConformanceServer } from '../fixtures/conformance-server/index.js';
import { startModernConformanceServer } from '../fixtures/conformance-server-2026/index.js';

/**
 * How agate reaches the fixture: the 2025 fixture hosted in process, the 2025 fixture over Streamable HTTP as a
 * remote backend, or the 2026-only fixture (v2 SDK, legacy refused) as a remote backend.
 */
export type AgateBackendMode = 'hosted' | 'remote' | 'modern-remote';

/** A gateway fronting the conformance fixture. */
export interface AgateConformanceTarget {
  /** The endpoint the suite tests: `http://127.0.0.1:<port>/mcp/conformance`. */
  readonly url: string;
  readonly mode: AgateBackendMode;
  /** Stops the gateway (and the fixture, in remote mode) and deletes the temporary registry. */
  close(): Promise<void>;
}

/** The endpoint name; unprefixed names are the point, so it is a plain single-member server. */
export const CONFORMANCE_ENDPOINT = 'conformance';

const FIXTURE_DEFINITION: HostedServerDefinition = Object.freeze({
  name: 'conformance-fixture',
  title: 'MCP conformance fixture',
  version: '1.0.0',
  description: 'The @modelcontextprotocol/conformance server contract (test/fixtures/conformance-server).',
  settings: [],
  createServer: () => createConformanceMcpServer(),
});

/**
 * The remote backend factory, when the build has it. Looked up at run time so this runner keeps working
 * (hosted mode only) in a tree where the remote backend is not there yet.
 */
export async function loadRemoteFactory(log: Logger): Promise<BackendFactory | undefined> {
  try {
    const mod = (await import('../../server/targets/mcp-router/backends/index.js')) as {
      createRemoteBackendFactory?: (deps: { log: Logger }) => BackendFactory;
    };
    return mod.createRemoteBackendFactory?.({ log });
  } catch {
    return undefined;
  }
}

/**
 * Starts agate in process (temporary registry, 127.0.0.1:0) with the fixture registered as MCP server
 * `conformance`: hosted through the `hostedServers` option, or, in `remote` mode, served by the SDK over HTTP
 * and registered as a remote Streamable HTTP backend. Logs go to stderr at AGATE_LOG_LEVEL (default warn).
 */
export async function startAgateTarget(mode: AgateBackendMode, remoteFactory?: BackendFactory): Promise<AgateConformanceTarget> {
  const dir = mkdtempSync(join(tmpdir(), 'agate-conformance-gw-'));
  const log = pino({ level: process.env.AGATE_LOG_LEVEL ?? 'warn', base: undefined }, pino.destination(2));
  let fixture: { url: string; close(): Promise<void> } | undefined;
  let gateway: RunningGateway | undefined;
  try {
    if (mode !== 'hosted' && !remoteFactory) throw new Error(`${mode} mode needs the remote backend factory`);
    if (mode === 'remote') fixture = await startConformanceServer();
    if (mode === 'modern-remote') fixture = await startModernConformanceServer();
    const factories = new Map<BackendRecipe['kind'], BackendFactory>(remoteFactory ? [['remote', remoteFactory]] : []);
    gateway = await startGateway({
      dbPath: join(dir, 'agate.db'),
      port: 0,
      host: '127.0.0.1',
      adminPort: 0,
      pollMs: 10,
      drainMs: 2_000,
      log,
      hostedServers: new Map([[FIXTURE_DEFINITION.name, FIXTURE_DEFINITION]]),
      mcp: { backendFactories: factories },
    });
    // Declared apart (not as fresh literals) so the registry's optional extras, such as secret headers, may be
    // left to the schema's defaults whichever revision of the spec types this tree has.
    const remote = fixture && { kind: 'remote' as const, url: fixture.url, transport: 'streamable-http' as const, headers: {}, secretHeaders: {} };
    const hosted = { kind: 'hosted' as const, server: FIXTURE_DEFINITION.name, settings: {}, secretSettings: {} };
    gateway.registry.mcpServers.create(
      { name: CONFORMANCE_ENDPOINT, description: 'conformance fixture, pass-through', backend: remote ?? hosted, enabled: true },
      'cli',
    );
    await waitUntilServed(gateway);
    const gw = gateway;
    const fx = fixture;
    return {
      url: `${gw.url}/mcp/${CONFORMANCE_ENDPOINT}`,
      mode,
      async close() {
        await gw.close();
        await fx?.close();
        log.flush();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await gateway?.close().catch(() => {});
    await fixture?.close().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

async function waitUntilServed(gateway: RunningGateway): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!gateway.snapshots.current()?.mcp.servers.has(CONFORMANCE_ENDPOINT)) {
    if (Date.now() > deadline) {
      const problems = JSON.stringify(gateway.snapshots.status);
      throw new Error(`agate did not serve MCP server "${CONFORMANCE_ENDPOINT}" within 10 s: ${problems}`);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}
