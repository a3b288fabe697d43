/** Simulation: the simulated upstream (and, in later files, the policy simulator). */
export * from "./distribution.js"
export * as LeakyBucket from "./leaky-bucket.js"
export { estimatePromptTokens, type RequestShape, readRequestShape, SIMULATION_HINT_FIELD } from "./request-shape.js"
export { sliceWords, textOf } from "./text.js"
export * from "./upstream.js"
export * from "./upstream-config.js"
