import { describe, expect, it } from 'vitest';
import { isJsonRpcMessage, isNotification, isRequest, isResponse } from '../../../../server/targets/mcp-router/index.js';

describe('JSON-RPC envelope', () => {
  it.each([
    ['a request', { jsonrpc: '2.0', id: 1, method: 'ping' }, 'request'],
    ['a request with a string id and params', { jsonrpc: '2.0', id: 'a', method: 'tools/call', params: { name: 'x' } }, 'request'],
    ['a notification', { jsonrpc: '2.0', method: 'notifications/initialized' }, 'notification'],
    ['a result', { jsonrpc: '2.0', id: 3, result: {} }, 'response'],
    ['an error', { jsonrpc: '2.0', id: 'b', error: { code: -32000, message: 'no', data: [1] } }, 'response'],
  ])('accepts %s', (_what, message, kind) => {
    expect(isJsonRpcMessage(message)).toBe(true);
    expect([isRequest(message as never), isNotification(message as never), isResponse(message as never)]).toEqual([
      kind === 'request',
      kind === 'notification',
      kind === 'response',
    ]);
  });

  it.each([
    ['not an object', [{ jsonrpc: '2.0', id: 1, method: 'ping' }]],
    ['jsonrpc 1.0', { jsonrpc: '1.0', id: 1, method: 'ping' }],
    ['a null id', { jsonrpc: '2.0', id: null, method: 'ping' }],
    ['a fractional id', { jsonrpc: '2.0', id: 1.5, result: {} }],
    ['a method that is not a string', { jsonrpc: '2.0', id: 1, method: 7 }],
    ['array params', { jsonrpc: '2.0', id: 1, method: 'ping', params: [1] }],
    ['a method with a result', { jsonrpc: '2.0', id: 1, method: 'ping', result: {} }],
    ['a response without an id', { jsonrpc: '2.0', result: {} }],
    ['a result and an error', { jsonrpc: '2.0', id: 1, result: {}, error: { code: 1, message: 'x' } }],
    ['a result that is not an object', { jsonrpc: '2.0', id: 1, result: 'ok' }],
    ['an error that is a string', { jsonrpc: '2.0', id: 1, error: 'boom' }],
    ['an error code that is not an integer', { jsonrpc: '2.0', id: 1, error: { code: '1', message: 'x' } }],
    ['an error without a message', { jsonrpc: '2.0', id: 1, error: { code: 1 } }],
  ])('refuses %s', (_what, value) => {
    expect(isJsonRpcMessage(value)).toBe(false);
  });
});
