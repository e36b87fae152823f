import type { Db } from './db.js';
import type { AuditRepo } from './audit-repo.js';
import { SpecStore } from './spec-store.js';

/** A stored MCP server (mcp-server.schema.json); the backend's shape depends on its kind. */
export interface McpServerSpec {
  name: string;
  description?: string;
  backend: { kind: 'hosted' | 'rest' | 'remote' | 'stdio' | 'bundle'; [key: string]: unknown };
  enabled: boolean;
}

/** MCP servers served at /mcp/<name>. */
export function createMcpServersRepo(db: Db, audit: AuditRepo): SpecStore<McpServerSpec> {
  return new SpecStore<McpServerSpec>(db, audit, { table: 'mcp_servers', kind: 'mcpServer' });
}
