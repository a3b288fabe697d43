export * from "./capacity/index.js"
export * from "./health/index.js"
export * from "./stats/index.js"
