import type { HostedServerDefinition } from './hosted-server.js';
import { amapToolsServer } from './amap-tools/index.js';
import { quarkSearchServer } from './quark-search/index.js';

/** Every hosted server type, keyed by the name `agate mcp add --server` takes. */
export const hostedServers: ReadonlyMap<string, HostedServerDefinition> = new Map(
  [quarkSearchServer, amapToolsServer].map((definition) => [definition.name, definition] as const),
);

export { CLIENT_IP_META_KEY, PASSTHROUGH_AUTH_META_KEY, PASSTHROUGH_QUERY_PREFIX } from './hosted-server.js';
export type { HostedServerDefinition, HostedServerOptions, HostedServerSetting } from './hosted-server.js';
