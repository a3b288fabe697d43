import * as Schema from "effect/Schema"
import { Priority } from "./provider-preferences.js"

const Count = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))
const Ms = Schema.Finite.check(Schema.isGreaterThanOrEqualTo(0))

/** How a recorded request ended, as its client saw it. */
export const CaptureOutcome = Schema.Literals([
  /** Answered (a stream: ended with its finish and usage). */
  "ok",
  /** 429: every admissible endpoint was rate-limited or full. */
  "rate_limited",
  /** 5xx from upstream failures (errors, timeouts, connection failures). */
  "upstream_error",
  /** The routing constraints left no endpoint. */
  "no_endpoint",
  /** A stream cut after its first content chunk. */
  "stream_error",
  /** The client went away first. */
  "cancelled",
  /** Anything else the router answered (a client error on the upstream, state unavailable…). */
  "other",
])
export type CaptureOutcome = typeof CaptureOutcome.Type

/**
 * The shape of one routed request, as the gateway records it (`gateway.capture`, one JSON object per
 * line) and the simulator replays it. Sizes, timing and outcome only: never prompt or completion
 * text, never a key (only the key's configured name).
 */
export const CaptureRecord = Schema.Struct({
  /** Arrival, epoch ms. */
  at: Ms,
  /** The model the client asked for (the first of `models` when it sent a list). */
  model: Schema.String,
  /** Name of the gateway key that sent it (absent on an open gateway). */
  key: Schema.optionalKey(Schema.String),
  /** Effective priority (request, then key defaults, then the routing default). */
  priority: Priority,
  /** Prompt tokens the gateway estimated before routing. */
  estimatedPromptTokens: Count,
  /** Prompt and completion tokens the upstream reported (absent when nothing was served). */
  promptTokens: Schema.optionalKey(Count),
  completionTokens: Schema.optionalKey(Count),
  /** `max_tokens` / `max_completion_tokens` the request sent. */
  maxTokens: Schema.optionalKey(Count),
  stream: Schema.Boolean,
  outcome: CaptureOutcome,
  /** HTTP status the client got. */
  status: Schema.Int,
  /** Slug of the endpoint that served it. */
  endpoint: Schema.optionalKey(Schema.String),
  /** Arrival → last byte, ms. */
  latencyMs: Ms,
  /** Upstream calls the router made. */
  attempts: Count,
  escalated: Schema.Boolean,
})
export type CaptureRecord = typeof CaptureRecord.Type

/** Decode one JSONL line of a capture file (a `Result`, never a throw). */
export const decodeCaptureLine = Schema.decodeUnknownResult(Schema.fromJsonString(CaptureRecord))
