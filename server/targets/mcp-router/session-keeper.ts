import type { ClientState, UpstreamHandle } from './downstream/session-store.js';

/**
 * Where a session puts what another replica needs to rebuild it (the session store); its calls never reject (a
 * store that is down costs the other replicas the rebuild, not this replica the request).
 */
export interface SessionKeeper {
  /** What the client set up: its initialize, log level, subscriptions. */
  client(state: ClientState): Promise<void>;
  /** An upstream session another replica may continue. */
  upstream(handle: UpstreamHandle): Promise<void>;
}
