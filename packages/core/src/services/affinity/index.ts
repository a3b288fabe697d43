export * from "./service.js"
