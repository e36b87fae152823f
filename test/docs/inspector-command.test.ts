import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { INSPECTOR_VERSION, inspectorCommand } from '../../cli/inspector-command.js';
import { packageRoot } from '../../registry/index.js';

/** Every Inspector command line (with --cli) the docs print is the one the banner prints (cli/inspector-command.ts), for its URL. */
describe('the MCP Inspector command in the docs', () => {
  const files = ['README.md', 'docs/mcp.md'];
  const lines = files.flatMap((f) =>
    readFileSync(join(packageRoot(), f), 'utf8')
      .split('\n')
      .filter((l) => l.includes('@modelcontextprotocol/inspector') && l.includes(' --cli '))
      .map((l) => ({ file: f, line: l.trim() })),
  );

  it('is documented at all', () => {
    expect(lines.map((l) => l.file)).toEqual(expect.arrayContaining(files));
  });

  it.each(lines)('$file: $line', ({ line }) => {
    const url = /--cli (\S+)/.exec(line)?.[1];
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:8080\/mcp\/[\w-]+$/);
    expect(line).toBe(inspectorCommand(url!));
    expect(line).toContain(`@modelcontextprotocol/inspector@${INSPECTOR_VERSION} `);
  });
});
