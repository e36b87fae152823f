/** Shared setup for the LLM integration tests: a gateway, secrets, providers and routes written to its registry. */
import { startTestGateway, waitFor, type TestGateway } from '../../helpers/gateway.js';

/** Starts a gateway for one test file. */
export async function startLlmGateway(): Promise<TestGateway> {
  return startTestGateway();
}

/** Adds a provider whose keys are stored as secrets `<name>-key-<i>`. */
export function addProvider(gw: TestGateway, spec: { name: string; type: string; baseUrl: string; keys: string[]; [k: string]: unknown }): void {
  const { keys, ...rest } = spec;
  const keySecrets = keys.map((value, i) => {
    const id = `${spec.name}-key-${i}`;
    gw.registry.secrets.put(id, value, 'cli');
    return id;
  });
  gw.registry.llmProviders.create({ ...rest, keySecrets }, 'cli');
}

/** Adds a route and waits until the gateway serves a snapshot that has it. */
export async function addRoute(gw: TestGateway, spec: Record<string, unknown>): Promise<void> {
  gw.registry.llmRoutes.create(spec, 'cli');
  const version = gw.registry.version();
  await waitFor(() => {
    if (gw.snapshots.status.lastReloadError) throw new Error(gw.snapshots.status.lastReloadError);
    return (gw.snapshots.current()?.version ?? -1) >= version;
  }, `snapshot ${version} with route ${String(spec.name)}`);
}
