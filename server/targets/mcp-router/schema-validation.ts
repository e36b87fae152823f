import type { JsonSchemaValidator, jsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/types.js';

const accept: JsonSchemaValidator<never> = (input) => ({ valid: true, data: input as never, errorMessage: undefined });

/**
 * The JSON Schema validator the router's SDK `Server`s and `Client`s are built with: it accepts everything.
 * By default every SDK `Server` and `Client` builds its own Ajv instance (tens of KB each, two per session), and
 * the router has nothing to check with it: it relays `tools/call` with `client.request` (the client-side output
 * check is `callTool`'s) and elicitation requests with `sendRequest` (the server-side check is `elicitInput`'s).
 * Output and elicitation schemas are validated where they mean something: by the end client and the backend.
 */
export const passThroughSchemaValidator: jsonSchemaValidator = Object.freeze({
  getValidator: <T>() => accept as JsonSchemaValidator<T>,
});
