/**
 * Preload that samples every allocation of a Node process, the ones the GC has already collected
 * included, and writes the profile (Chrome .heapprofile JSON) at exit. Where a hot path's garbage
 * comes from, e.g.:
 *   HEAP_OUT=/tmp/calls.heapprofile node --max-semi-space-size=64 --import ./tools/heap-sample.mjs \
 *     --import tsx tools/bench-calls.ts --concurrency 60 --calls 60
 * Open the file in Chrome DevTools (Memory) or sum `selfSize` by call frame.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

const session = new Session();
session.connect();
session.post('HeapProfiler.enable');
session.post('HeapProfiler.startSampling', { samplingInterval: 32768, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
process.on('exit', () => {
  // The in-process inspector session answers synchronously, so this still runs before exit.
  session.post('HeapProfiler.stopSampling', (err, result) => {
    if (err) return console.error(`heap-sample: ${err.message}`);
    writeFileSync(process.env.HEAP_OUT ?? 'heap.heapprofile', JSON.stringify(result.profile));
  });
});
