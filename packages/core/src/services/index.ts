export * from "./affinity/index.js"
export {
  type Books,
  type CapacityBookkeeping,
  type HealthBookkeeping,
  makeBooks,
  type StatsBookkeeping,
} from "./books.js"
export * from "./capacity/index.js"
export * from "./errors.js"
export * from "./health/index.js"
export * from "./live-state.js"
export { atNow, withNow } from "./now.js"
export * from "./retry-budget/index.js"
export * from "./stats/index.js"
export { atOnceOf, twinOf, withAtOnce, withBookkeeping } from "./twin.js"
