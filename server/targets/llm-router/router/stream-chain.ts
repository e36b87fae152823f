import type { SseEvent } from '../../../sse/index.js';
import type { NormalizedError, OpenAiUsage } from '../translate/index.js';

/** A stream translator as the pump drives it. */
export interface StreamChain {
  push(event: SseEvent): void;
  /** Upstream EOF. */
  end(): void;
  /** The upstream failed under us (reset, idle timeout). */
  abort(error: NormalizedError): void;
  /** Usage in the OpenAI convention, when the upstream reported it. */
  usage(): OpenAiUsage | null;
  /** Characters of generated text seen so far. */
  outputChars(): number;
}
