/**
 * The simulated upstream: an in-process model of a provider's endpoints (capacity as a leaky bucket,
 * latency and throughput distributions, errors, outages, streaming) that answers in OpenAI's wire
 * format. The `simulated` provider plugin serves it over the gateway; `@switchyard/simulator` runs
 * the router against it in virtual time. `makeVirtualTime` runs any Effect program (the upstream, the
 * router) in discrete-event virtual time. No report or simulator code lives here.
 */
export * from "./distribution.js"
export * as LeakyBucket from "./leaky-bucket.js"
export { type RequestShape, readRequestShape, SIMULATION_HINT_FIELD } from "./request-shape.js"
export { sliceWords, textOf } from "./text.js"
export { type After, afterOn, type CallbackClock } from "./timer.js"
export * from "./upstream.js"
export * from "./upstream-config.js"
export { forkVirtual, makeVirtualTime, runVirtual, type VirtualTime, virtualContext } from "./virtual-time.js"
