/**
 * Training as generators that yield between chunks of work, run either to the end at once or in
 * slices with the event loop free in between (a big knowledge base retrains while calls go on).
 */

/** Runs a training generator to the end at once. */
export function runToEnd<T>(gen: Generator<void, T>): T {
  let step = gen.next();
  while (!step.done) step = gen.next();
  return step.value;
}

/** Runs a training generator, giving the event loop a turn whenever a slice has used `sliceMs`. */
export async function runInSlices<T>(gen: Generator<void, T>, sliceMs: number): Promise<T> {
  let sliceStart = performance.now();
  let step = gen.next();
  while (!step.done) {
    if (performance.now() - sliceStart >= sliceMs) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      sliceStart = performance.now();
    }
    step = gen.next();
  }
  return step.value;
}
