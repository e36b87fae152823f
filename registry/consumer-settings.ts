import { createHash } from 'node:crypto';
import type { WriteOrigin } from './audit-repo.js';
import { RegistryError } from './errors.js';
import type { ConsumerSpec } from './consumers-repo.js';
import type { Registry } from './registry.js';

// A consumer's own `{{.config.X}}` values for one REST server: the safe form of Higress's
// `x-higress-mcpserver-config` header (which any client may send). The admin sets them; each value is a
// secret (encrypted like every other), and the consumer spec names the secret under mcpSettings.

/** Which values of which consumer and server a write concerns. */
export interface ConsumerSettingsTarget {
  readonly consumer: string;
  readonly server: string;
}

/** The secret holding one value: a fixed-length name, since setting names may be camelCase and long. */
export function consumerSettingSecret(target: ConsumerSettingsTarget, key: string): string {
  const digest = createHash('sha256').update(`${target.consumer}\0${target.server}\0${key}`).digest('hex');
  return `consumer-setting.${digest.slice(0, 32)}`;
}

function consumerOf(registry: Registry, name: string): ConsumerSpec {
  const found = registry.consumers.store.get(name);
  if (!found) throw new RegistryError('not_found', [`consumer "${name}" not found`]);
  return found;
}

/** A REST server's backend, or why it takes no consumer settings. */
function restBackend(registry: Registry, server: string): { config: unknown; selfServiceSettings?: string[] } {
  const spec = registry.mcpServers.get(server);
  if (!spec) throw new RegistryError('not_found', [`MCP server "${server}" not found`]);
  if (spec.backend.kind !== 'rest') throw new RegistryError('validation', [`consumer settings apply to REST servers; ${server} is a ${spec.backend.kind} server`]);
  return spec.backend;
}

/**
 * The settings a stored REST config (`backend.config`) takes: its `server.config` keys and each `{{.config.X}}` its
 * templates read. Finding the second needs the template engine, which sits above the registry, so the caller
 * hands this in: servers/rest-to-mcp's `storedRestSettingNames`.
 */
export type SettingNames = (config: unknown) => readonly string[];

/** Which settings a server takes per consumer: those its config declares, and those a consumer may set itself. */
export interface ConsumerSettingsPolicy {
  /** The config's settings (the only keys any consumer setting may have). */
  readonly declared: readonly string[];
  /** `backend.selfServiceSettings` that are settings of the config: self-service is off unless the admin lists keys. */
  readonly selfService: readonly string[];
}

/** The settings policy of a REST server (throws not_found for a missing server, validation for another kind). */
export function consumerSettingsPolicy(registry: Registry, server: string, settingNames: SettingNames): ConsumerSettingsPolicy {
  const backend = restBackend(registry, server);
  const declared = settingNames(backend.config);
  return { declared, selfService: (backend.selfServiceSettings ?? []).filter((k) => declared.includes(k)) };
}

/** One setting a consumer holds for a server (never its value): when it was last written, and by whom. */
export interface ConsumerSettingInfo {
  readonly key: string;
  /** When its secret was last written (ISO time). */
  readonly setAt: string | null;
  /** Who wrote it last: the audit actor (`consumer alice`, `admin token`) or else the interface (`cli`). */
  readonly setBy: string | null;
}

/** The names of the settings a consumer holds for a server, with when and by whom each was last set. */
export function consumerSettingsInfo(registry: Registry, target: ConsumerSettingsTarget): ConsumerSettingInfo[] {
  const refs = registry.consumers.store.get(target.consumer)?.mcpSettings?.[target.server] ?? {};
  const written = registry.db.prepare('SELECT updated_at AS at FROM secrets WHERE name = ?');
  const lastAudit = registry.db.prepare(`SELECT interface, actor FROM audit_log WHERE entity = 'secret' AND name = ? ORDER BY id DESC LIMIT 1`);
  return Object.entries(refs).map(([key, secret]) => {
    const at = written.get(secret) as { at: string } | undefined;
    const audit = lastAudit.get(secret) as { interface: string; actor: string | null } | undefined;
    return { key, setAt: at?.at ?? null, setBy: audit ? (audit.actor ?? audit.interface) : null };
  });
}

/** What one settings write stores: the values, who writes them, and how the server's settings are found. */
export interface ConsumerSettingsWrite extends ConsumerSettingsTarget {
  readonly values: Readonly<Record<string, string>>;
  readonly origin: WriteOrigin;
  readonly settingNames: SettingNames;
}

/** Stores `values` for the consumer's calls to the server, in one transaction (secrets, then the consumer spec). */
export function setConsumerSettings(registry: Registry, write: ConsumerSettingsWrite): void {
  const { values, origin, settingNames, ...target } = write;
  const declared = settingNames(restBackend(registry, target.server).config);
  const unknown = Object.keys(values).filter((k) => !declared.includes(k));
  if (unknown.length) {
    throw new RegistryError('validation', unknown.map((k) => `${target.server} has no setting "${k}" (its config has: ${declared.join(', ') || 'none'})`));
  }
  registry.db.transaction(() => {
    const consumer = consumerOf(registry, target.consumer);
    const current = { ...consumer.mcpSettings?.[target.server] };
    for (const [key, value] of Object.entries(values)) {
      const secret = consumerSettingSecret(target, key);
      registry.secrets.put(secret, value, origin);
      current[key] = secret;
    }
    registry.consumers.store.update({ ...consumer, mcpSettings: { ...consumer.mcpSettings, [target.server]: current } }, origin);
  }).immediate();
}

/** Removes settings; returns the names that were set. */
export function unsetConsumerSettings(registry: Registry, write: ConsumerSettingsTarget & { readonly keys: readonly string[]; readonly origin: WriteOrigin }): string[] {
  const { keys, origin, ...target } = write;
  return registry.db.transaction(() => {
    const consumer = consumerOf(registry, target.consumer);
    const current = { ...consumer.mcpSettings?.[target.server] };
    const removed = keys.filter((k) => current[k] !== undefined);
    for (const key of removed) {
      if (registry.secrets.has(current[key]!)) registry.secrets.remove(current[key]!, origin);
      delete current[key];
    }
    const { [target.server]: _dropped, ...others } = consumer.mcpSettings ?? {};
    const mcpSettings = Object.keys(current).length ? { ...others, [target.server]: current } : others;
    const { mcpSettings: _old, ...rest } = consumer;
    registry.consumers.store.update(Object.keys(mcpSettings).length ? { ...rest, mcpSettings } : rest, origin);
    return removed;
  }).immediate();
}

/**
 * Every consumer's decrypted values for `server` (for the snapshot compiler). A value whose secret is gone
 * is reported in `problems` with the consumer and setting named.
 */
export function consumerSettingsFor(registry: Registry, server: string, problems: string[]): Map<string, Readonly<Record<string, string>>> {
  const out = new Map<string, Readonly<Record<string, string>>>();
  for (const consumer of registry.consumers.store.list()) {
    const refs = consumer.mcpSettings?.[server];
    if (!refs) continue;
    const values: Record<string, string> = {};
    for (const [key, secret] of Object.entries(refs)) {
      const value = registry.secrets.get(secret);
      if (value === undefined) problems.push(`consumer "${consumer.name}": mcpSettings.${server}.${key}: no secret named "${secret}"`);
      else values[key] = value;
    }
    out.set(consumer.name, Object.freeze(values));
  }
  return out;
}
