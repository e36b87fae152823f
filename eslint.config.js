// The house rules of ../shared/design.md as lint rules: the layering of §2 and small units of §8.
// Import cycles (type-only ones included) are checked by madge in `npm run lint`.
import tseslint from 'typescript-eslint';

const source = ['server/**/*.ts', 'servers/**/*.ts', 'cli/**/*.ts', 'registry/**/*.ts', 'console/**/*.ts'];

/** `no-restricted-imports` patterns that keep one layer from reaching into another. */
function forbid(...patterns) {
  return { 'no-restricted-imports': ['error', { patterns: patterns }] };
}

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'bench/results/**'] },
  { files: ['**/*.ts'], languageOptions: { parser: tseslint.parser } },
  {
    files: source,
    rules: {
      'max-lines': ['error', { max: 400, skipBlankLines: true, skipComments: true }],
      'max-lines-per-function': ['error', { max: 60, skipBlankLines: true, skipComments: true }],
      'max-params': ['error', 3],
    },
  },
  {
    files: ['servers/**/*.ts'],
    rules: forbid({ regex: '^(\\.\\./)+(server|cli)/', message: 'servers/ depend on the MCP SDK and their own files, never on server/ or cli/ (design.md §2).' }),
  },
  {
    files: ['registry/**/*.ts'],
    rules: forbid({ regex: '^(\\.\\./)+(server|servers|cli)/', message: 'registry/ sits below server/ and cli/ (design.md §2).' }),
  },
  {
    files: ['server/**/*.ts'],
    ignores: ['server/filters/**'],
    rules: forbid({ regex: '^(\\.\\./)+cli/', message: 'server/ never imports cli/ (design.md §2).' }),
  },
  {
    files: ['server/targets/**/*.ts'],
    rules: forbid(
      { regex: '^(\\.\\./)+cli/', message: 'server/ never imports cli/ (design.md §2).' },
      { regex: '^(\\.\\./)+ingress/', message: 'A target never calls back into an ingress: ingress → pipeline → target (design.md §1). Shared pieces live in pipeline/ or the target.' },
    ),
  },
  {
    files: ['server/filters/**/*.ts'],
    rules: forbid(
      { regex: '^(\\.\\./)+cli/', message: 'server/ never imports cli/ (design.md §2).' },
      { regex: '^(express|@modelcontextprotocol/.*)$', message: 'Filters import neither express nor the MCP SDK (design.md §1).' },
    ),
  },
  {
    files: ['server/routing/**/*.ts'],
    rules: forbid(
      { regex: '^(\\.\\./)+cli/', message: 'server/ never imports cli/ (design.md §2).' },
      { regex: '^\\.\\./(targets|ingress|filters|snapshot)/', message: 'Routers are plain data structures: targets, ingress, filters and snapshots use them, never the other way round.' },
      { regex: '^(express|@modelcontextprotocol/.*)$', message: 'Routers import neither express nor the MCP SDK (design.md §3).' },
    ),
  },
  {
    files: ['console/**/*.ts'],
    rules: forbid({ regex: '^(\\.\\./)+(server|servers|cli|registry|schemas)/|^[^.]', message: 'The console runs in the browser: it talks to the admin API over HTTP and imports only its own files (no packages, no server code).' }),
  },
  {
    files: ['cli/**/*.ts'],
    rules: forbid({ regex: '^(\\.\\./)+server/(?!(index|config-tools)\\.js$)', message: 'The CLI reaches server/ through its public faces: server/index.js (the gateway) and server/config-tools.js.' }),
  },
);
