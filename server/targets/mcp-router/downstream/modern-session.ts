import type { InitializeResult } from '@modelcontextprotocol/sdk/types.js';
import type { McpRouter } from '../router.js';
import { cacheScopeOf, type ModernStamp } from '../modern-results.js';
import { SUPPORTED_PROTOCOL_VERSIONS, type RouterSession } from '../router-session.js';
import type { ModernMessage } from './era.js';

/**
 * A router session serving a 2026-07-28 request, initialized as that request's `_meta` declares its client (the
 * session speaks 2025 to its members), and what its results are stamped with: the server's identity and the
 * cache scope of the server's answers.
 */
export async function initializeForModern(session: RouterSession, modern: ModernMessage, router: McpRouter): Promise<{ init: InitializeResult; stamp: ModernStamp }> {
  const init = await session.initialize({
    protocolVersion: SUPPORTED_PROTOCOL_VERSIONS[0]!,
    capabilities: modern.clientCapabilities,
    clientInfo: modern.clientInfo ?? { name: 'unnamed-2026-client', version: '0' },
  });
  return { init, stamp: { serverInfo: init.serverInfo, scope: cacheScopeOf(session.config, (name) => router.server(name)) } };
}
