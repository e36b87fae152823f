import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

/**
 * The fast lane for the edit-test loop (`npm run test:unit`): pure functions only, no sockets, no child processes,
 * no registry on disk. `npm test` still runs everything, these included.
 */
export default defineConfig({
  test: {
    ...base.test,
    include: [
      'test/servers/rest-to-mcp/template/**/*.test.ts',
      'test/servers/rest-to-mcp/go-url.test.ts',
      'test/servers/shared/**/*.test.ts',
      'test/server/routing/**/*.test.ts',
      'test/server/pipeline/{turn-budget,compose,readme-chains}.test.ts',
      'test/server/filters/auth.test.ts',
      'test/server/ingress/normalize-path.test.ts',
      'test/server/targets/llm-router/{translate,sse,providers,tokens}/**/*.test.ts',
      'test/server/targets/llm-router/model-map.test.ts',
      'test/server/targets/mcp-router/{json-rpc,schema-validation}.test.ts',
      'test/server/targets/mcp-router/backends/event-stream-parser.test.ts',
      'test/conformance/{baseline,report,suite-process}.test.ts',
    ],
    pool: 'threads',
  },
});
