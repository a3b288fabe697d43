import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as Layer from "effect/Layer"
import * as OtlpSerialization from "effect/observability/OtlpSerialization"
import * as OtlpTracer from "effect/observability/OtlpTracer"
import type { TracingConfig } from "./config.js"

/**
 * The runtime's tracer: Effect's own OTLP/HTTP exporter (`effect/observability/OtlpTracer`). Ended
 * spans are pushed to a buffer (an array push on the request path); a background fiber posts them
 * every `exportIntervalMs`, or as soon as `maxBatchSize` are waiting, serialized there (protobuf or
 * JSON). Failed exports are retried, then exporting pauses for a minute (spans are dropped meanwhile,
 * so memory stays bounded); what is buffered is flushed when the runtime is disposed (3 s at most).
 */
export const tracingLayer = (config: TracingConfig): Layer.Layer<never> =>
  OtlpTracer.layer({
    url: config.url,
    resource: { serviceName: config.serviceName },
    headers: config.headers,
    exportInterval: config.exportIntervalMs,
    maxBatchSize: config.maxBatchSize,
    shutdownTimeout: "3 seconds",
  }).pipe(
    Layer.provide(config.protocol === "http/json" ? OtlpSerialization.layerJson : OtlpSerialization.layerProtobuf),
    Layer.provide(FetchHttpClient.layer),
  )
