import type { Registry } from '../../registry/index.js';
import type { ConsumerDirectory } from '../auth/index.js';

/** What every subsystem's compiler shares within one snapshot build (compile.ts makes it once per build). */
export interface PartCompile {
  /** The registry, read inside the build's one transaction. */
  readonly registry: Registry;
  /** The consumer index the HTTP part built; the MCP and LLM chains authenticate against it. */
  readonly consumers: ConsumerDirectory;
  /** Where a bad row's message goes; its entity is held back. */
  readonly problems: string[];
}
