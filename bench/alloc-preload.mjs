// Preloaded into a profiled server by `pnpm bench:profile --mode alloc` (`node --import bench/alloc-preload.mjs`):
// SIGUSR2 starts V8's sampling heap profiler (every allocation of ≈ 1 KB sampled, objects collected since included);
// the next SIGUSR2 stops it and writes the profile to $ALLOC_PROFILE_OUT. Bytes allocated by the whole process
// (router, transport, Node's http, undici), not only by the handler bench:handler measures.
import { renameSync, writeFileSync } from "node:fs"
import { Session } from "node:inspector"

const out = process.env.ALLOC_PROFILE_OUT
if (out) {
  const session = new Session()
  session.connect()
  let sampling = false
  process.on("SIGUSR2", () => {
    if (!sampling) {
      sampling = true
      session.post("HeapProfiler.enable", () =>
        session.post("HeapProfiler.startSampling", {
          samplingInterval: 1024,
          includeObjectsCollectedByMajorGC: true,
          includeObjectsCollectedByMinorGC: true,
        }),
      )
      return
    }
    sampling = false
    session.post("HeapProfiler.stopSampling", (error, result) => {
      // written whole, then renamed: the profiler waits for the file to appear
      writeFileSync(`${out}.part`, JSON.stringify(error ? { error: String(error) } : result.profile))
      renameSync(`${out}.part`, out)
    })
  })
}
