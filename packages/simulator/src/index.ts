export * from "./advice-report.js"
export * from "./advisor.js"
/**
 * @switchyard/simulator: Switchyard's real router, run in virtual time against simulated upstreams
 * (`Simulated` of `@switchyard/core`) — scenarios, arrival traces, policy comparisons per traffic
 * class, HTML and text reports.
 */
export * from "./duration.js"
export { type PolicyRun, type Progress, runPolicy, simulatePolicy } from "./engine.js"
export * from "./metrics.js"
export * from "./outcome.js"
export { type JobResult, type PolicyJob, type PoolOptions, runJobs } from "./pool.js"
export * from "./recorded-traffic.js"
export * from "./report.js"
export { renderHtml } from "./report-html.js"
export * from "./report-table.js"
export * from "./resolve-scenario.js"
export * from "./scenario.js"
export { type ArrivalTrace, generateTrace, rateAt } from "./traffic.js"
