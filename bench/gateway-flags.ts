/**
 * The Node flags the gateway runs with in production (`npm start` and the `agate` bin's shebang), so gateway
 * processes under benchmark run as deployed. A 32 MB semi-space (Node 20's default tops out at 16 MB) keeps
 * the short-lived objects of thousands of in-flight requests from being promoted to the old generation, whose
 * collections otherwise stall the event loop under load.
 */
export const GATEWAY_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=32'];
