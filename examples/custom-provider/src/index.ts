export * from "./acme-plugin.js"
export * from "./acme-wire.js"
