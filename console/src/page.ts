/** What a page's render returns: how to stop its timers and streams when the user leaves it. */
export type Cleanup = () => void;

/** One page of the console, reached at `#/<path>[/<param>...]`. */
export interface Page {
  /** The navigation label and document title. */
  readonly title: string;
  /** Draws the page into `root`; `params` are the path segments after the page's own. */
  render(root: HTMLElement, params: string[]): Cleanup | void;
}

/** Runs `fn` now and every `ms` until the returned cleanup is called. */
export function every(ms: number, fn: () => unknown): Cleanup {
  void fn();
  const timer = setInterval(() => void fn(), ms);
  return () => clearInterval(timer);
}
