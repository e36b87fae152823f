/** The jose module. */
export type Jose = typeof import('jose');

let jose: Promise<Jose> | undefined;

/** jose, imported on the first token check: a gateway with no OAuth-protected MCP server never loads it. */
export function loadJose(): Promise<Jose> {
  return (jose ??= import('jose'));
}
