/**
 * Admin CRUD for LLM providers and routes. Routes are plain specs; providers carry API keys, which are stored
 * as encrypted secrets (as `agate llm provider add` does) and never returned: responses name the secrets only.
 */
import type { Request, Response, Router } from 'express';
import { RegistryError, type LlmProviderSpec, type Registry } from '../../registry/index.js';
import { sendRegistryError } from './admin-errors.js';
import { mountCrud } from './crud.js';

/** Mounts `/llm-routes` (plain CRUD) and `/llm-providers` (CRUD whose bodies may carry `keys`). */
export function mountLlmAdmin(router: Router, registry: Registry): void {
  mountCrud(router, { plural: 'llm-routes', store: registry.llmRoutes });
  router.get('/llm-providers', (_req, res) => {
    res.json({ items: registry.llmProviders.list() });
  });
  router.get('/llm-providers/:name', (req: Request<{ name: string }>, res) => {
    const item = registry.llmProviders.get(req.params.name);
    if (!item) return sendRegistryError(res, notFound(req.params.name));
    res.json(item);
  });
  router.post('/llm-providers', (req, res) => {
    guard(res, () => res.status(201).json(writeProvider(registry, req.body, undefined)));
  });
  router.put('/llm-providers/:name', (req: Request<{ name: string }>, res) => {
    guard(res, () => res.json(writeProvider(registry, req.body, req.params.name)));
  });
  router.delete('/llm-providers/:name', (req: Request<{ name: string }>, res) => {
    guard(res, () => {
      removeProvider(registry, req.params.name);
      res.status(204).end();
    });
  });
}

function guard(res: Response, fn: () => void): void {
  try {
    fn();
  } catch (err) {
    sendRegistryError(res, err);
  }
}

function notFound(name: string): RegistryError {
  return new RegistryError('not_found', [`llmProvider "${name}" not found`]);
}

/**
 * Creates (`urlName` undefined) or replaces a provider. `keys` (API key values) become the secrets
 * `llm-<name>-key-<i>` in the same transaction; a replace without `keys` or `keySecrets` keeps the current keys,
 * so renaming a model map never needs the keys again.
 */
function writeProvider(registry: Registry, body: unknown, urlName: string | undefined): LlmProviderSpec {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalid('llmProvider: must be a JSON object');
  const { keys, ...spec } = body as Record<string, unknown>;
  if (urlName !== undefined) {
    if (spec.name !== undefined && spec.name !== urlName) throw invalid(`llmProvider.name: must match the URL ("${urlName}")`);
    spec.name = urlName;
  }
  const name = typeof spec.name === 'string' ? spec.name : '';
  if (keys !== undefined && !(Array.isArray(keys) && keys.every((k) => typeof k === 'string' && k !== ''))) {
    throw invalid('llmProvider.keys: must be an array of non-empty strings');
  }
  if (keys !== undefined && spec.keySecrets !== undefined) throw invalid('llmProvider: give keys or keySecrets, not both');
  return registry.transaction(() => {
    const current = urlName === undefined ? undefined : registry.llmProviders.get(urlName);
    if (urlName !== undefined && !current) throw notFound(urlName);
    if (keys !== undefined) {
      spec.keySecrets = (keys as string[]).map((_k, i) => keySecretName(name, i));
      (keys as string[]).forEach((k, i) => registry.secrets.put(keySecretName(name, i), k, 'admin-api'));
    } else if (current && spec.keySecrets === undefined) spec.keySecrets = current.keySecrets;
    const stored = current ? registry.llmProviders.update(spec, 'admin-api') : registry.llmProviders.create(spec, 'admin-api');
    // Key secrets this provider owned and no longer uses would otherwise linger, encrypted but orphaned.
    for (const s of current?.keySecrets ?? []) if (!stored.keySecrets.includes(s) && ownsSecret(name, s)) registry.secrets.remove(s, 'admin-api');
    return stored;
  });
}

/** Refused (409) while a route sends to it; its own key secrets go with it. */
function removeProvider(registry: Registry, name: string): void {
  registry.transaction(() => {
    const found = registry.llmProviders.get(name);
    if (!found) throw notFound(name);
    const users = registry.llmRoutes.list().filter((r) => [...r.targets, ...r.fallback].some((t) => t.provider === name));
    if (users.length) throw new RegistryError('conflict', [`llmProvider "${name}" is still used by route(s) ${users.map((u) => u.name).join(', ')}`]);
    registry.llmProviders.remove(name, 'admin-api');
    for (const s of found.keySecrets) if (ownsSecret(name, s) && registry.secrets.has(s)) registry.secrets.remove(s, 'admin-api');
  });
}

function invalid(problem: string): RegistryError {
  return new RegistryError('validation', [problem]);
}

/** The secret name `agate llm provider add` uses for key `i`, so CLI and admin API manage the same secrets. */
function keySecretName(provider: string, i: number): string {
  return `llm-${provider}-key-${i + 1}`.slice(0, 63);
}

function ownsSecret(provider: string, secret: string): boolean {
  return secret.startsWith(`llm-${provider}-key-`.slice(0, 63));
}
