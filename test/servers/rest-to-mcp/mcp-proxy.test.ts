import { describe, expect, it } from 'vitest';
import { validateRestConfig, type CompiledRestConfig } from '../../../servers/rest-to-mcp/index.js';

// Cases from Higress's TestMcpProxyConfigValidation (plugins/wasm-go/pkg/mcp/server/config_validator_test.go),
// written as agate fixtures, plus the upstream credential shapes of Higress's ApplySecurity (RFC 7617 for Basic).
const proxy = (server: Record<string, unknown>, tools: unknown[] = []): Record<string, unknown> => ({
  server: { name: 'test-proxy', type: 'mcp-proxy', transport: 'http', mcpServerURL: 'http://backend.example.com/mcp', ...server },
  tools,
});

function loaded(doc: Record<string, unknown>): CompiledRestConfig {
  const result = validateRestConfig(doc);
  if (!result.ok) throw new Error(result.errors.join('\n'));
  return result.value;
}

describe('Higress mcp-proxy configs (TestMcpProxyConfigValidation)', () => {
  it('valid basic proxy config: a remote server with the file\'s timeout; tool entries load, with a warning', () => {
    const c = loaded(proxy({ timeout: 5000 }, [{ name: 'test-tool', description: 'Test tool', args: [{ name: 'input', description: 'Input parameter', type: 'string', required: true }] }]));
    expect(c.kind).toBe('mcpProxy');
    expect(c.proxy).toEqual({ url: 'http://backend.example.com/mcp', transport: 'streamable-http', timeoutMs: 5000, headers: {}, passthroughAuthHeader: false });
    expect(c.warnings).toContain("tools: per-tool settings of an mcp-proxy server are not applied; agate lists the upstream's tools as they are");
  });

  it('proxy config with security schemes referenced by a tool loads', () => {
    const c = loaded(
      proxy({ mcpServerURL: 'https://secure.example.com/mcp', timeout: 8000, securitySchemes: [{ id: 'ApiKeyAuth', type: 'apiKey', in: 'header', name: 'X-API-Key', defaultCredential: 'test-key' }] }, [
        { name: 'secure-tool', description: 'Secure tool', args: [{ name: 'data', description: 'Data parameter', type: 'object', required: true }], requestTemplate: { security: { id: 'ApiKeyAuth' } } },
      ]),
    );
    expect(c.proxy).toMatchObject({ url: 'https://secure.example.com/mcp', timeoutMs: 8000 });
  });

  it('missing mcpServerURL fails', () => {
    const result = validateRestConfig(proxy({ mcpServerURL: undefined, timeout: 5000 }, [{ name: 'test-tool', description: 'Test tool', args: [] }]));
    expect(result.ok ? [] : result.errors).toContain('server.mcpServerURL: is required for an mcp-proxy server');
  });

  it('an unknown server type falls back to REST handling', () => {
    const c = loaded({
      server: { name: 'rest-server', type: 'rest-api' },
      tools: [{ name: 'rest-tool', description: 'REST tool', args: [], requestTemplate: { url: 'http://example.com/api', method: 'GET' }, responseTemplate: { body: '$.result' } }],
    });
    expect(c.kind).toBe('server');
    expect(c.tools.map((t) => t.name)).toEqual(['rest-tool']);
  });

  it('timeout absent or 0 means Higress\'s 5000 ms', () => {
    expect(loaded(proxy({})).proxy!.timeoutMs).toBe(5000);
    expect(loaded(proxy({ timeout: 0 })).proxy!.timeoutMs).toBe(5000);
  });

  it.each([
    ['bearer', { type: 'http', scheme: 'bearer' }, 'tok', { headers: { Authorization: 'Bearer tok' } }],
    ['basic user:pass', { type: 'http', scheme: 'basic' }, 'user:pass', { headers: { Authorization: 'Basic dXNlcjpwYXNz' } }],
    ['apiKey header', { type: 'apiKey', in: 'header', name: 'X-Key' }, 'k1', { headers: { 'X-Key': 'k1' } }],
    ['apiKey cookie', { type: 'apiKey', in: 'cookie', name: 'sid' }, 'c1', { headers: { Cookie: 'sid=c1' } }],
    ['apiKey query', { type: 'apiKey', in: 'query', name: 'key' }, 'q 1', { headers: {}, url: 'http://backend.example.com/mcp?key=q+1' }],
  ])('upstream credential, %s', (_what, scheme, credential, want) => {
    const c = loaded(proxy({ securitySchemes: [{ id: 's', ...scheme }], defaultUpstreamSecurity: { id: 's', credential } }));
    expect(c.proxy).toMatchObject(want);
  });

  it('the requirement\'s credential beats the scheme\'s defaultCredential; none at all is a warning', () => {
    const scheme = { id: 's', type: 'http', scheme: 'bearer', defaultCredential: 'default' };
    expect(loaded(proxy({ securitySchemes: [scheme], defaultUpstreamSecurity: { id: 's' } })).proxy!.headers).toEqual({ Authorization: 'Bearer default' });
    expect(loaded(proxy({ securitySchemes: [scheme], defaultUpstreamSecurity: { id: 's', credential: 'own' } })).proxy!.headers).toEqual({ Authorization: 'Bearer own' });
    const none = loaded(proxy({ securitySchemes: [{ ...scheme, defaultCredential: undefined }], defaultUpstreamSecurity: { id: 's' } }));
    expect(none.proxy!.headers).toEqual({});
    expect(none.warnings).toContain('server.defaultUpstreamSecurity: scheme "s" has no credential; calls go without one');
  });

  it("protocolStrategy modern with transport sse is refused, as Higress refuses it", () => {
    const result = validateRestConfig(proxy({ transport: 'sse', protocolStrategy: 'modern' }));
    expect(result.ok ? [] : result.errors).toContain("server.protocolStrategy: 'modern' requires transport http");
  });
});
