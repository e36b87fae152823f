import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { Registry as MetricsRegistry } from 'prom-client';
import { McpRouter, type CompiledMcpServer } from '../../../../server/targets/mcp-router/index.js';
import { passThroughSchemaValidator } from '../../../../server/targets/mcp-router/schema-validation.js';

const config: CompiledMcpServer = {
  name: 'plain',
  backendHash: '',
  policy: { tools: {}, admit: async () => {}, callTool: async () => {} },
  configHash: 'x',
};

describe('router JSON Schema validation', () => {
  it.each([[{}], [null], ['text'], [{ deeply: { nested: [1, 2] } }]])('the pass-through validator accepts %j unchanged', (input) => {
    expect(passThroughSchemaValidator.getValidator({ type: 'number' })(input)).toEqual({ valid: true, data: input, errorMessage: undefined });
  });

  it('builds session servers without an Ajv instance of their own (tens of KB per session before)', () => {
    const router = new McpRouter({ log: pino({ level: 'silent' }), metrics: new MetricsRegistry() });
    const session = router.open({ id: 's1', config, consumer: undefined, remoteAddress: '127.0.0.1' });
    // The SDK keeps the validator in a private field; reading it is the only way to see which one was used.
    expect((session.server as unknown as { _jsonSchemaValidator: unknown })._jsonSchemaValidator).toBe(passThroughSchemaValidator);
  });
});
