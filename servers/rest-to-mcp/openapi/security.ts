import type { Json } from './resolve-refs.js';
import { isObject } from './response-text.js';

/**
 * `components.securitySchemes` → `server.securitySchemes`, sorted by id (§6.2). http basic/bearer and
 * apiKey map directly; OAuth2 and OpenID Connect become bearer schemes (the token is what reaches the
 * API). `x-defaultCredential` / `defaultCredential` carry a default credential.
 */
export function convertSecuritySchemes(doc: Json, problems: string[]): Json[] {
  const components = isObject(doc.components) ? doc.components : {};
  const schemes = isObject(components.securitySchemes) ? components.securitySchemes : {};
  const out: Json[] = [];
  for (const id of Object.keys(schemes).sort()) {
    const s = schemes[id];
    if (!isObject(s)) continue;
    const converted = convertScheme(id, s);
    if (converted === undefined) {
      problems.push(`securitySchemes.${id}: type ${String(s.type)} ${String(s.scheme ?? s.in ?? '')} is not supported; skipped`);
      continue;
    }
    const credential = s['x-defaultCredential'] ?? s.defaultCredential;
    if (typeof credential === 'string') converted.defaultCredential = credential;
    out.push(converted);
  }
  return out;
}

function convertScheme(id: string, s: Json): Json | undefined {
  const scheme = typeof s.scheme === 'string' ? s.scheme.toLowerCase() : '';
  if (s.type === 'http' && (scheme === 'basic' || scheme === 'bearer')) return { id, type: 'http', scheme };
  if (s.type === 'apiKey' && typeof s.name === 'string' && ['header', 'query', 'cookie'].includes(String(s.in))) {
    return { id, type: 'apiKey', in: s.in, name: s.name };
  }
  if (s.type === 'oauth2' || s.type === 'openIdConnect') return { id, type: 'http', scheme: 'bearer' };
  return undefined;
}

/** The first scheme id of the operation's (else the document's) first security requirement. */
export function operationSecurity(doc: Json, op: Json): string | undefined {
  const reqs = Array.isArray(op.security) ? op.security : Array.isArray(doc.security) ? doc.security : [];
  const first = reqs.find((r) => isObject(r) && Object.keys(r).length > 0);
  return isObject(first) ? Object.keys(first)[0] : undefined;
}
