import type { Request, Router } from 'express';
import type { Registry } from '../../registry/index.js';
import { sendRegistryError } from './admin-errors.js';

/** `POST /consumers/:name/keys` issues a key (returned once, 201); `GET` lists keys by prefix only. */
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
}
