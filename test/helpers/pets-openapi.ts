/**
 * A small OpenAPI 3.0 spec as YAML text, for the console's "add from OpenAPI" and its admin API: `listPets`
 * (GET /pets?limit=) and `getPet` (GET /pets/{petId}). `server` is written as servers[0].url on line 6, column 10
 * (a relative one makes the spec need a base URL); with `badRef`, getPet's parameter is a $ref that does not resolve.
 */
export function petsOpenApi(server: string, options: { badRef?: boolean } = {}): string {
  return [
    'openapi: 3.0.3',
    'info:',
    '  title: Pets',
    '  version: 1.0.0',
    'servers:',
    `  - url: ${server}`,
    'paths:',
    '  /pets:',
    '    get:',
    '      operationId: listPets',
    '      summary: List pets',
    '      parameters:',
    '        - name: limit',
    '          in: query',
    '          schema: { type: integer }',
    "      responses: { '200': { description: ok } }",
    '  /pets/{petId}:',
    '    get:',
    '      operationId: getPet',
    '      parameters:',
    options.badRef ? "        - $ref: '#/components/parameters/Ghost'" : '        - { name: petId, in: path, required: true, schema: { type: string } }',
    "      responses: { '200': { description: ok } }",
    '',
  ].join('\n');
}
