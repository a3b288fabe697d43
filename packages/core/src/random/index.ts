export * from "./seeded.js"
