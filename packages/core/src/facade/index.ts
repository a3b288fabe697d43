export * from "./create-router.js"
