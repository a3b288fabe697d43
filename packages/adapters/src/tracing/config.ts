import { ConfigInvalid, configStruct } from "@switchyard/core"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"

/** `http/protobuf` (the OTLP default, what collectors expect on :4318) or `http/json`. gRPC is not offered. */
export const OtlpProtocol = Schema.Literals(["http/protobuf", "http/json"])
export type OtlpProtocol = typeof OtlpProtocol.Type

const Positive = Schema.Int.check(Schema.isGreaterThanOrEqualTo(1))

/**
 * The config file's top-level `tracing` section (all optional; the `OTEL_*` variables fill what is
 * not set). Tracing is off unless an endpoint is known.
 */
export const TracingSection = configStruct({
  /** OTLP/HTTP base URL (`http://collector:4318`): spans go to `<endpoint>/v1/traces`. */
  endpoint: Schema.optionalKey(Schema.NonEmptyString),
  protocol: Schema.optionalKey(OtlpProtocol),
  /** `service.name` of the spans (default `switchyard`). */
  serviceName: Schema.optionalKey(Schema.NonEmptyString),
  /** Extra request headers for the collector (e.g. an API key), inline or `{ "env": "NAME" }`. */
  headers: Schema.optionalKey(
    Schema.Record(Schema.String, Schema.Union([Schema.String, Schema.Struct({ env: Schema.NonEmptyString })])),
  ),
  /** How often buffered spans are sent (default 5 000 ms, `OTEL_BSP_SCHEDULE_DELAY`). */
  exportIntervalMs: Schema.optionalKey(Positive),
  /** Spans per export; a full buffer is sent at once (default 512, `OTEL_BSP_MAX_EXPORT_BATCH_SIZE`). */
  maxBatchSize: Schema.optionalKey(Positive),
})
export type TracingSection = typeof TracingSection.Type

export interface TracingConfig {
  /** Where spans are posted: the traces endpoint itself (`…/v1/traces`). */
  readonly url: string
  readonly protocol: OtlpProtocol
  readonly serviceName: string
  readonly headers: Readonly<Record<string, string>>
  readonly exportIntervalMs: number
  readonly maxBatchSize: number
}

type Env = Readonly<Record<string, string | undefined>>

const invalid = (path: string, message: string) =>
  new ConfigInvalid({ message: `Invalid gateway config: ${path}: ${message}`, path, issues: [`${path}: ${message}`] })

const httpUrl = (text: string, path: string): Result.Result<URL, ConfigInvalid> => {
  try {
    const url = new URL(text)
    if (url.protocol === "http:" || url.protocol === "https:") return Result.succeed(url)
  } catch {
    // reported below
  }
  return Result.fail(invalid(path, "expected an http(s) URL"))
}

/** `<base>/v1/traces`, as the OTLP spec builds a signal's URL from `OTEL_EXPORTER_OTLP_ENDPOINT`. */
const tracesUrl = (base: URL): string => {
  const url = new URL(base)
  url.pathname = `${url.pathname.replace(/\/$/, "")}/v1/traces`
  return url.toString()
}

/** `k1=v1,k2=v2` (values URL-encoded), as in `OTEL_EXPORTER_OTLP_HEADERS`. */
const parseHeaderList = (text: string | undefined): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const part of (text ?? "").split(",")) {
    const i = part.indexOf("=")
    if (i <= 0) continue
    try {
      out[part.slice(0, i).trim().toLowerCase()] = decodeURIComponent(part.slice(i + 1).trim())
    } catch {
      out[part.slice(0, i).trim().toLowerCase()] = part.slice(i + 1).trim()
    }
  }
  return out
}

const intFromEnv = (env: Env, name: string): Result.Result<number | undefined, ConfigInvalid> => {
  const text = env[name]
  if (text === undefined || text === "") return Result.succeed(undefined)
  const n = Number(text)
  return Number.isInteger(n) && n >= 1 ? Result.succeed(n) : Result.fail(invalid(name, "expected a positive integer"))
}

/**
 * The tracing in force, or undefined (off). The config's `tracing` fields win; the standard variables
 * fill the rest: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (the full traces URL) or `OTEL_EXPORTER_OTLP_ENDPOINT`
 * (the base), `OTEL_EXPORTER_OTLP_(TRACES_)PROTOCOL`, `OTEL_EXPORTER_OTLP_(TRACES_)HEADERS`,
 * `OTEL_SERVICE_NAME`, `OTEL_BSP_SCHEDULE_DELAY`, `OTEL_BSP_MAX_EXPORT_BATCH_SIZE`. `OTEL_SDK_DISABLED=true`
 * or `OTEL_TRACES_EXPORTER=none` turn it off.
 */
export const resolveTracing = (
  section: TracingSection | undefined,
  env: Env,
): Result.Result<TracingConfig | undefined, ConfigInvalid> => {
  if (env.OTEL_SDK_DISABLED?.toLowerCase() === "true" || env.OTEL_TRACES_EXPORTER?.toLowerCase() === "none")
    return Result.succeed(undefined)
  let url: string
  if (section?.endpoint !== undefined) {
    const base = httpUrl(section.endpoint, "tracing.endpoint")
    if (Result.isFailure(base)) return Result.fail(base.failure)
    url = tracesUrl(base.success)
  } else if (env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) {
    const full = httpUrl(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    if (Result.isFailure(full)) return Result.fail(full.failure)
    url = full.success.toString()
  } else if (env.OTEL_EXPORTER_OTLP_ENDPOINT) {
    const base = httpUrl(env.OTEL_EXPORTER_OTLP_ENDPOINT, "OTEL_EXPORTER_OTLP_ENDPOINT")
    if (Result.isFailure(base)) return Result.fail(base.failure)
    url = tracesUrl(base.success)
  } else return Result.succeed(undefined)

  const protocolText =
    section?.protocol ?? env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL ?? "http/protobuf"
  if (protocolText !== "http/protobuf" && protocolText !== "http/json")
    return Result.fail(
      invalid(
        "OTEL_EXPORTER_OTLP_PROTOCOL",
        `"${protocolText.slice(0, 20)}" is not supported (http/protobuf, http/json)`,
      ),
    )
  const headers: Record<string, string> = {
    ...parseHeaderList(env.OTEL_EXPORTER_OTLP_HEADERS),
    ...parseHeaderList(env.OTEL_EXPORTER_OTLP_TRACES_HEADERS),
  }
  for (const [name, value] of Object.entries(section?.headers ?? {})) {
    if (typeof value === "string") headers[name.toLowerCase()] = value
    else {
      const resolved = env[value.env]
      if (resolved === undefined || resolved === "")
        return Result.fail(invalid(`tracing.headers.${name}`, `environment variable ${value.env} is not set`))
      headers[name.toLowerCase()] = resolved
    }
  }
  const delay = intFromEnv(env, "OTEL_BSP_SCHEDULE_DELAY")
  if (Result.isFailure(delay)) return Result.fail(delay.failure)
  const batch = intFromEnv(env, "OTEL_BSP_MAX_EXPORT_BATCH_SIZE")
  if (Result.isFailure(batch)) return Result.fail(batch.failure)
  return Result.succeed({
    url,
    protocol: protocolText,
    serviceName: section?.serviceName ?? (env.OTEL_SERVICE_NAME || "switchyard"),
    headers,
    exportIntervalMs: section?.exportIntervalMs ?? delay.success ?? 5_000,
    maxBatchSize: section?.maxBatchSize ?? batch.success ?? 512,
  })
}
