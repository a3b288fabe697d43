export { OtlpProtocol, resolveTracing, type TracingConfig, TracingSection } from "./config.js"
export { tracingLayer } from "./layer.js"
