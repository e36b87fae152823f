/** SIGTERM and SIGINT drain the gateway (and close the demo upstream), then exit; so does losing the primary (a worker). */
export function stopOnSignals(gateway: { close(): Promise<void> }, demo: { close(cb: () => void): unknown } | undefined): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`agate: ${signal}, draining in-flight requests\n`);
    Promise.all([gateway.close(), new Promise<void>((r) => (demo ? demo.close(() => r()) : r()))]).then(
      () => process.exit(0),
      (err) => {
        process.stderr.write(`agate: shutdown failed: ${(err as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM received'));
  process.on('SIGINT', () => stop('SIGINT received'));
  // A cluster worker whose primary is gone (killed with -9) must not serve on alone: nobody would replace or stop it.
  process.on('disconnect', () => stop('primary gone'));
}
