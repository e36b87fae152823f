import type { Request, Router } from 'express';
import { RegistryError, type Registry } from '../../registry/index.js';
import { sendRegistryError } from './admin-errors.js';

/**
 * `POST /consumers/:name/keys` issues a key (returned once, 201); `GET` lists keys by prefix only;
 * `DELETE /consumers/:name/keys/:id` revokes one (204), as `agate consumer key revoke` does.
 */
export function mountConsumerKeys(router: Router, registry: Registry): void {
  router.post('/consumers/:name/keys', (req: Request<{ name: string }>, res) => {
    try {
      const issued = registry.consumers.issueKey(req.params.name, 'admin-api');
      res.status(201).json({ key: issued.key, ...issued.info });
    } catch (err) {
      sendRegistryError(res, err);
    }
  });
  router.get('/consumers/:name/keys', (req: Request<{ name: string }>, res) => {
    res.json({ items: registry.consumers.listKeys(req.params.name) });
  });
  router.delete('/consumers/:name/keys/:id', (req: Request<{ name: string; id: string }>, res) => {
    const id = Number(req.params.id);
    try {
      if (!Number.isSafeInteger(id) || id < 1) throw new RegistryError('validation', [`key id: must be a positive integer (got "${req.params.id}")`]);
      registry.consumers.revokeKey(req.params.name, id, 'admin-api');
      res.status(204).end();
    } catch (err) {
      sendRegistryError(res, err);
    }
  });
}
