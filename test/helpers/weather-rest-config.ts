/**
 * A small Higress REST-to-MCP config as YAML text, for the console and its admin API: `forecast` (one argument of
 * type `argType`, on line 8 at column 15, so a wrong type has a known position) and, with `broken`, a tool whose
 * upstream always fails.
 */
export function weatherYaml(upstreamUrl: string, argType: string, options: { broken?: boolean } = {}): string {
  const broken = options.broken
    ? ['  - name: broken', '    description: Always fails upstream', '    args: []', '    requestTemplate:', `      url: ${upstreamUrl}/fail`, '      method: GET']
    : [];
  return [
    'server:',
    '  name: weather',
    'tools:',
    '  - name: forecast',
    '    description: Weather for a city',
    '    args:',
    '      - name: city',
    `        type: ${argType}`,
    '        required: true',
    '    requestTemplate:',
    `      url: ${upstreamUrl}/forecast?city={{.args.city}}`,
    '      method: GET',
    ...broken,
    'agate:',
    '  allowHosts: ["127.0.0.1"]',
    '',
  ].join('\n');
}
