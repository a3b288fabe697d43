export * from "./budget.js"
export * from "./service.js"
