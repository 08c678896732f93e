/**
 * Runs a tool's `main` and ends the process: 0 when it resolves, 1 with the error on stderr when
 * it throws. The exit is explicit so that whatever a run leaves open (a stopped service's timers,
 * sockets, worker processes) cannot keep a finished benchmark from returning to its caller.
 */
export function runMain(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
