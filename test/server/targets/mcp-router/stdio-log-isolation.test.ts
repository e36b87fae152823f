import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { everythingStdio } from '../../../helpers/everything-server.js';
import { startTestGateway, waitFor, type TestGateway } from '../../../helpers/gateway.js';
import { addMcpServer, connectMcp } from '../../../helpers/mcp.js';

// Log messages (`notifications/message`) from one stdio process that several sessions share: one sent while a
// session's call runs goes to that session only; one no call can be tied to (the reference server's simulated
// logging repeats every 5 s after the call that started it returned) reaches no session, only the gateway's log.
let gw: TestGateway;
const clients: Client[] = [];

interface LogUser {
  client: Client;
  logs: unknown[];
}

async function logUser(): Promise<LogUser> {
  const client = await connectMcp(gw, 'shared');
  clients.push(client);
  const logs: unknown[] = [];
  client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void logs.push(n.params.data));
  // Opens this session's upstream session on the shared process.
  await client.listTools();
  return { client, logs };
}

const strayLogged = () => gw.logs.filter((l) => String(l.msg).startsWith('mcp stdio server log message not tied to one session'));
const toggle = (u: LogUser) => u.client.callTool({ name: 'toggle-simulated-logging', arguments: {} });

beforeAll(async () => {
  gw = await startTestGateway();
  await addMcpServer(gw, { name: 'shared', backend: everythingStdio });
}, 30_000);

afterAll(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close().catch(() => {})));
  await gw?.stop();
});

describe('log messages from a shared stdio process', () => {
  it("go to the session whose call they came with, and one tied to no call reaches nobody", async () => {
    const [alice, bob] = [await logUser(), await logUser()];
    // The reference server sends one log message at once, inside alice's call, then one every 5 s.
    await toggle(alice);
    onTestFinished(() => void toggle(alice).catch(() => {}));
    await waitFor(() => alice.logs.length === 1, "the log message sent during alice's call");
    const before = strayLogged().length;
    // The next message goes somewhere: the gateway's log (right) or a session (the leak).
    await waitFor(() => strayLogged().length > before || bob.logs.length + alice.logs.length > 1, 'the next (unrelated) message', 8000);
    expect(bob.logs).toEqual([]);
    expect(alice.logs).toHaveLength(1);
    const line = strayLogged().at(-1)!;
    expect(line.server).toBe('shared');
    // The reference server's eight random levels read 'Debug-level message' … 'Emergency-level message', but its
    // alert one is spelled 'Alert level-message' (server-everything src/server/logging.ts).
    expect(String(line.line)).toMatch(/(Debug|Info|Notice|Warning|Error|Critical|Alert|Emergency)[ -]level[ -]message/);
  }, 20_000);

  it('while two sessions have calls in flight, a log message goes to neither', async () => {
    const [carol, dave] = [await logUser(), await logUser()];
    let progressed = false;
    const slow = dave.client.callTool({ name: 'trigger-long-running-operation', arguments: { duration: 2, steps: 2 } }, undefined, {
      onprogress: () => void (progressed = true),
    });
    await waitFor(() => progressed, "dave's call to be running upstream");
    const before = strayLogged().length;
    await toggle(carol);
    onTestFinished(() => void toggle(carol).catch(() => {}));
    await waitFor(() => strayLogged().length > before || carol.logs.length + dave.logs.length > 0, 'the message to go somewhere');
    await slow;
    expect(carol.logs).toEqual([]);
    expect(dave.logs).toEqual([]);
  }, 20_000);
});
