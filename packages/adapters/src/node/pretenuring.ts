/**
 * Turn off V8's allocation-site pretenuring for this process (`--no-allocation-site-pretenuring`, set at run time).
 *
 * V8 watches each object and array literal's allocation site: when nearly every object a site made since the last
 * scavenge is still alive at it, V8 decides the site's objects are long-lived and allocates them straight in the old
 * generation from then on. A gateway's per-request objects all look like that at the wrong moment — when a burst
 * starts, or while every request in flight waits on a slow upstream, everything a site made since the last scavenge
 * is still in flight — and the decision is never taken back (objects allocated in the old generation leave V8 no
 * survival count to revise it by). From then on each request allocates its routing request, context, trace and
 * Node's request and response objects in the old generation, where they die but stay until the next full
 * collection; every young object they point to (headers, plan, strings) is kept alive by that dead parent through
 * every scavenge and promoted, and then keeps its own children alive. Measured on the gateway under JSON load
 * (c64, Node 20.20): 3.7 MB promoted per scavenge (≈ 29% of what was allocated), scavenges of 5–6 ms, a full
 * collection every ≈ 1 s; with pretenuring off, 0.08 MB promoted, 0.7 ms scavenges, no full collection, and
 * 12–13% more requests a second (Node 24.22: 2 MB → 0.07 MB promoted, +19%).
 *
 * The gateway's own entry (`examples/gateway`: `npm start`, the production bundle) calls it at start. An app that
 * embeds the gateway's handler in its own Node server can call it too; it changes V8's heuristics for the whole
 * process, so it is the app's call. Idempotent; it takes effect from the next scavenge on (a decision V8 took before
 * stays), so call it before the process serves requests.
 */
export const turnOffPretenuring = (): void => {
  process.getBuiltinModule("node:v8").setFlagsFromString("--no-allocation-site-pretenuring")
}
