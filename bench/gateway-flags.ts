/**
 * The Node flags the gateway runs with in production (`npm start` and the `agate` bin's shebang), so gateway
 * processes under benchmark run as deployed. A 16 MB semi-space, V8's own ceiling on 64-bit machines, set so the
 * young generation is that size on every machine. Under overload the gateway's in-flight requests outlive a
 * scavenge or two, so each scavenge copies what was allocated since the last one and a pause grows with the
 * semi-space: at 32 MB, scavenges of 20–50 ms set the event-loop delay tail of bench mcp (c) (p99 46–48 ms against
 * 31–39 ms at 8 or 16 MB). Below 16 MB the pauses shrink little more while GC time grows (+15 % at 8 MB).
 */
export const GATEWAY_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=16'];
