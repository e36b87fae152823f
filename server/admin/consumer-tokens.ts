import type { Request, Router } from 'express';
import { RegistryError, type Registry } from '../../registry/index.js';
import { sendRegistryError } from './admin-errors.js';

/**
 * The per-user token vault's grants: `GET /consumers/:name/tokens` lists servers, scopes and expiry (never a
 * token); `DELETE /consumers/:name/tokens[?server=S]` deletes them (200 with the servers revoked, 404 when there
 * were none), as `agate consumer tokens revoke` does. The consumer need not exist in the registry: OAuth
 * consumers are token subjects.
 */
export function mountConsumerTokens(router: Router, registry: Registry): void {
  router.get('/consumers/:name/tokens', (req: Request<{ name: string }>, res) => {
    res.json({ items: registry.vaultTokens.list(req.params.name) });
  });
  router.delete('/consumers/:name/tokens', (req: Request<{ name: string }>, res) => {
    const server = typeof req.query.server === 'string' ? req.query.server : undefined;
    try {
      const revoked = registry.vaultTokens.revoke(req.params.name, server, 'admin-api');
      if (revoked.length === 0) throw new RegistryError('not_found', [`no upstream tokens stored for consumer "${req.params.name}"${server ? ` at server "${server}"` : ''}`]);
      res.json({ revoked });
    } catch (err) {
      sendRegistryError(res, err);
    }
  });
}
