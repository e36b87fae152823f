import type { Request, Router } from 'express';
import { RegistryError } from '../../registry/index.js';
import type { SpecStore, Named } from '../../registry/spec-store.js';
import { sendRegistryError } from './admin-errors.js';

/** One kind of entity served by {@link mountCrud}. */
export interface CrudEntity<T extends Named> {
  /** The path segment and collection name, e.g. `routes`. */
  readonly plural: string;
  readonly store: SpecStore<T>;
  /** How an entity leaves the API (secret values masked); as stored when absent. */
  readonly show?: (value: T) => T;
  /** How a body enters the store: read-only fields `show` adds (an MCP server's `era`) are dropped; as sent when absent. */
  readonly accept?: (body: unknown) => unknown;
}

/** Mounts list/get/create/replace/delete for one entity on `router` under `/<plural>`. */
export function mountCrud<T extends Named>(router: Router, entity: CrudEntity<T>): void {
  const { plural, store, show = (v: T) => v, accept = (b: unknown) => b } = entity;
  const base = `/${plural}`;
  router.get(base, (_req, res) => {
    res.json({ items: store.list().map(show) });
  });
  router.get(`${base}/:name`, (req: Request<{ name: string }>, res) => {
    const item = store.get(req.params.name);
    if (!item) return sendRegistryError(res, new RegistryError('not_found', [`${plural.slice(0, -1)} "${req.params.name}" not found`]));
    res.json(show(item));
  });
  router.post(base, (req, res) => {
    try {
      res.status(201).json(show(store.create(accept(req.body), 'admin-api')));
    } catch (err) {
      sendRegistryError(res, err);
    }
  });
  router.put(`${base}/:name`, (req: Request<{ name: string }>, res) => {
    const body = req.body as { name?: unknown } | undefined;
    if (body && typeof body === 'object' && body.name !== undefined && body.name !== req.params.name) {
      return sendRegistryError(res, new RegistryError('validation', [`${plural.slice(0, -1)}.name: must match the URL ("${req.params.name}")`]));
    }
    try {
      res.json(show(store.update({ ...(accept(body) ?? {}), name: req.params.name }, 'admin-api')));
    } catch (err) {
      sendRegistryError(res, err);
    }
  });
  router.delete(`${base}/:name`, (req: Request<{ name: string }>, res) => {
    try {
      store.remove(req.params.name, 'admin-api');
      res.status(204).end();
    } catch (err) {
      sendRegistryError(res, err);
    }
  });
}
