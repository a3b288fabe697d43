export * from "./breaker.js"
export * from "./service.js"
