/**
 * Worker thread: checks one pasted REST-to-MCP config or OpenAPI spec (parse, convert, validate, positions) off the admin listener's event
 * loop, which also serves the data plane. Answers with plain data only (the compiled config holds functions).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { restServerDefinition } from '../../servers/rest-to-mcp/index.js';
import { checkRestConfigText } from './rest-config-positions.js';
import { checkOpenApiText } from './openapi-check.js';
import type { ConfigCheckInput, ConfigVerdict } from './rest-config-check.js';

function verdict(input: ConfigCheckInput): ConfigVerdict {
  const checked = input.openapi ? checkOpenApiText(input.text, input.openapi) : checkRestConfigText(input.text);
  if (!checked.ok) return checked;
  const config = checked.value;
  const settings = config.kind === 'server' ? restServerDefinition(config).settings : [];
  // Credentials pasted into server.config would be stored in plain text: they belong in encrypted secrets.
  const filledSecrets = settings.filter((s) => s.secret && config.config[s.name] !== '' && config.config[s.name] != null).map((s) => s.name);
  const warnings = [...('warnings' in checked ? (checked.warnings as readonly string[]) : []), ...config.warnings];
  return { ok: true, kind: config.kind, name: config.name, source: config.source as Record<string, unknown>, filledSecrets, warnings };
}

parentPort!.postMessage(verdict(workerData as ConfigCheckInput));
