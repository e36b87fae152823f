import { idleRssCheck, type TargetCheck } from './targets.js';

type Row = Record<string, number | undefined>;

/** The MCP targets of issue #20 from bench/mcp.ts's figures: (a) raw-client rows, (b) sessions from outside. */
export function mcpTargets(figures: Record<string, unknown>): TargetCheck[] {
  const a = figures.a as { raw?: Record<string, Row>; idleRss?: number; conc?: number } | undefined;
  const remote = a?.raw?.['agate (remote backend)'];
  const b = figures.b as { outsideRssPerSessionKB?: number; failed?: number } | undefined;
  // Sessions that failed to open hold nothing: with failures the figure flatters, so it is not judged.
  const perSession = b?.failed ? undefined : b?.outsideRssPerSessionKB;
  return [
    ...remoteCallTargets(remote, a?.conc),
    { name: `(b) idle MCP session, RSS from /proc (no forced GC)${b?.failed ? `; ${b.failed} sessions failed to open` : ''}`, goal: '≤ 20 KB', value: perSession, unit: ' KB', ok: (v) => v <= 20 },
    idleRssCheck(a?.idleRss),
  ];
}

/** tools/call to a remote Streamable HTTP member against direct, raw client: ≥ 0.85× at 1 and C, +≤ 0.3 ms p50. */
export function remoteCallTargets(remote: Row | undefined, conc = 32): TargetCheck[] {
  return [
    { name: 'remote tools/call vs direct, 1 in flight, raw client', goal: '≥ 0.85×', value: remote?.ratio1, unit: '×', ok: (v) => v >= 0.85 },
    { name: `remote tools/call vs direct, ${conc} in flight, raw client`, goal: '≥ 0.85×', value: remote?.ratioC, unit: '×', ok: (v) => v >= 0.85 },
    { name: 'remote tools/call added p50, 1 in flight, raw client', goal: '≤ 0.3 ms', value: remote?.addedP50Ms, unit: ' ms', ok: (v) => v <= 0.3 },
  ];
}
