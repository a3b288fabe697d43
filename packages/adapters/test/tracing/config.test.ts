import { Result } from "effect"
import { describe, expect, it } from "vitest"
import { resolveTracing } from "../../src/index.js"

describe("tracing config", () => {
  it("off unless an endpoint is known; the config's fields win over OTEL_* variables", () => {
    expect(Result.getOrThrow(resolveTracing(undefined, {}))).toBeUndefined()
    expect(Result.getOrThrow(resolveTracing(undefined, { OTEL_EXPORTER_OTLP_ENDPOINT: "http://otel:4318" }))).toEqual({
      url: "http://otel:4318/v1/traces",
      protocol: "http/protobuf",
      serviceName: "switchyard",
      headers: {},
      exportIntervalMs: 5000,
      maxBatchSize: 512,
    })
    const env = {
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "https://api.honeycomb.io/v1/traces",
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      OTEL_EXPORTER_OTLP_HEADERS: "x-honeycomb-team=abc%20123,x-other=1",
      OTEL_SERVICE_NAME: "edge-gw",
      OTEL_BSP_SCHEDULE_DELAY: "1000",
      COLLECTOR_TOKEN: "tok-9",
    }
    expect(Result.getOrThrow(resolveTracing(undefined, env))).toMatchObject({
      url: "https://api.honeycomb.io/v1/traces",
      protocol: "http/json",
      serviceName: "edge-gw",
      headers: { "x-honeycomb-team": "abc 123", "x-other": "1" },
      exportIntervalMs: 1000,
    })
    const fromConfig = resolveTracing(
      {
        endpoint: "http://collector:4318/base/",
        protocol: "http/protobuf",
        serviceName: "gw",
        headers: { Authorization: { env: "COLLECTOR_TOKEN" } },
        maxBatchSize: 64,
      },
      env,
    )
    expect(Result.getOrThrow(fromConfig)).toMatchObject({
      url: "http://collector:4318/base/v1/traces",
      protocol: "http/protobuf",
      serviceName: "gw",
      headers: { authorization: "tok-9", "x-honeycomb-team": "abc 123" },
      maxBatchSize: 64,
    })
  })

  it("OTEL_SDK_DISABLED / OTEL_TRACES_EXPORTER=none turn it off; bad values are config errors", () => {
    const base = { OTEL_EXPORTER_OTLP_ENDPOINT: "http://otel:4318" }
    expect(Result.getOrThrow(resolveTracing(undefined, { ...base, OTEL_SDK_DISABLED: "true" }))).toBeUndefined()
    expect(Result.getOrThrow(resolveTracing(undefined, { ...base, OTEL_TRACES_EXPORTER: "none" }))).toBeUndefined()
    const grpc = resolveTracing(undefined, { ...base, OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" })
    expect(Result.isFailure(grpc) && grpc.failure.path).toBe("OTEL_EXPORTER_OTLP_PROTOCOL")
    const url = resolveTracing({ endpoint: "collector:4318" }, {})
    expect(Result.isFailure(url) && url.failure.path).toBe("tracing.endpoint")
    const header = resolveTracing({ endpoint: "http://c:4318", headers: { k: { env: "NOPE" } } }, {})
    expect(Result.isFailure(header) && header.failure.path).toBe("tracing.headers.k")
  })
})
