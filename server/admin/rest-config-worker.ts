/**
 * Worker thread: checks one pasted REST-to-MCP config (parse, validate, positions) off the admin listener's event
 * loop, which also serves the data plane. Answers with plain data only (the compiled config holds functions).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { restServerDefinition } from '../../servers/rest-to-mcp/index.js';
import { checkRestConfigText } from './rest-config-positions.js';
import type { ConfigVerdict } from './rest-config-check.js';

function verdict(text: string): ConfigVerdict {
  const checked = checkRestConfigText(text);
  if (!checked.ok) return checked;
  const config = checked.value;
  const settings = config.kind === 'server' ? restServerDefinition(config).settings : [];
  // Credentials pasted into server.config would be stored in plain text: they belong in encrypted secrets.
  const filledSecrets = settings.filter((s) => s.secret && config.config[s.name] !== '' && config.config[s.name] != null).map((s) => s.name);
  return { ok: true, kind: config.kind, name: config.name, source: config.source as Record<string, unknown>, filledSecrets };
}

parentPort!.postMessage(verdict(workerData as string));
