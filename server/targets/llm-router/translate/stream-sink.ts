/**
 * Where a stream translator writes. Translators call exactly one terminal method, once:
 * `done()` after a clean protocol end, or `error()` for an upstream error event, a cut stream or garbage.
 */
export interface StreamSink<TItem, TError> {
  /** One translated item to write to the client. */
  data(item: TItem): void;
  /** Terminal failure: write it in the client protocol's error form and close without a clean terminator. */
  error(err: TError): void;
  /** Clean end: an OpenAI caller writes `data: [DONE]`; an Anthropic caller just closes. */
  done(): void;
}
