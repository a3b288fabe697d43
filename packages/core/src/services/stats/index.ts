export * from "./service.js"
export * from "./window.js"
