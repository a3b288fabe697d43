export * from "./build.js"
export * from "./defaults.js"
export * from "./resolve.js"
