import { toByteString } from './go-url.js';
import type { HeaderList } from './security.js';

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

// Connection-level headers are undici's business (it refuses some outright), and Content-Length is
// computed from the body we send; a config that sets them would otherwise crash or desync the call.
const DROPPED = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'proxy-connection', 'content-length', 'host', 'expect']);

/**
 * Refuses header names that are not HTTP tokens and values with CR, LF or NUL (header injection,
 * perf-reliability §6.3), removes headers the transport owns and byte-encodes values. Returns the
 * isError text, if any.
 */
export function checkHeaders(headers: HeaderList): string | undefined {
  for (const [name, value] of headers) {
    if (!TOKEN.test(name)) return `header name ${JSON.stringify(name)} is not a valid HTTP header name`;
    if (/[\r\n\0]/.test(value)) return `header ${name}: value contains CR, LF or NUL; refused`;
  }
  // Envoy sends header values as raw UTF-8 bytes; undici writes latin1, so hand it the bytes that way.
  const kept = headers.filter(([name]) => !DROPPED.has(name.toLowerCase())).map(([k, v]): [string, string] => [k, toByteString(v)]);
  headers.splice(0, headers.length, ...kept);
  return undefined;
}
