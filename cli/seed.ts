import { Registry } from '../registry/index.js';

/**
 * On an empty registry, adds the demo: a route /demo to the built-in echo upstream. Returns what it added,
 * so the banner can say so. A registry with anything in it is left alone.
 */
export function seedFirstStart(db: string, demoUpstreamUrl: string): string[] {
  // Checked like the gateway's own open: seeding must not be the first thing to trip over a damaged file.
  const registry = Registry.open(db, { quickCheck: true });
  try {
    return registry.transaction(() => {
      if (!registry.isEmpty()) return [];
      registry.routes.create({ name: 'demo', path: '/demo', upstream: demoUpstreamUrl, stripPrefix: true }, 'seed');
      return ['route demo (/demo -> built-in echo upstream)'];
    });
  } finally {
    registry.close();
  }
}
