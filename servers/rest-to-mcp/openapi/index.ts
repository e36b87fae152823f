import { parse } from 'yaml';
export { openApiToRestConfig, type OpenApiResult, type OpenApiToRestOptions } from './convert.js';

/** Parses an OpenAPI document from JSON or YAML text (JSON is YAML); throws on syntax errors. */
export function parseOpenApiText(text: string): unknown {
  return parse(text, { maxAliasCount: 1000 });
}
