import type { BackendFactory, McpBackend } from './backend.js';
import { LinkedTransport } from './linked-transport.js';

/**
 * A hosted server (servers/) or a compiled REST config: each connection gets a fresh SDK server from the
 * definition, linked to the router's client by an in-process transport pair, so it is reached exactly like a
 * remote one.
 */
export const hostedBackend: BackendFactory = (recipe): McpBackend => {
  if (recipe.kind !== 'hosted' && recipe.kind !== 'rest') throw new Error(`hostedBackend cannot build a ${recipe.kind} backend`);
  return {
    kind: recipe.kind,
    passthroughHeaders: recipe.passthroughHeaders,
    async connect(connectOptions) {
      // A consumer's own settings only ever reach servers built for that consumer's sessions.
      const own = connectOptions?.consumer === undefined ? undefined : recipe.consumerSettings?.get(connectOptions.consumer);
      const options = own ? { ...recipe.options, settings: { ...recipe.options.settings, ...own } } : recipe.options;
      const server = recipe.definition.createServer(options);
      const [clientSide, serverSide] = LinkedTransport.pair();
      await server.connect(serverSide);
      return clientSide;
    },
    async close() {},
  };
};
