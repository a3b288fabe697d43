import type * as Stream from "effect/Stream"
import type { Pool } from "../catalog/config.js"
import type { Endpoint } from "../catalog/endpoint.js"
import type { ExcludedEndpoint } from "../errors.js"
import type { ChunkSource, StreamDefect } from "../provider/chunk-source.js"
import type { JsonObject } from "../provider/contract.js"
import type { CapacitySignals, Usage } from "../provider/usage.js"
import type { Priority, ProviderPreferences } from "../schema/provider-preferences.js"
import type { RoutingRequest } from "../schema/routing-request.js"
import type { CostDetails } from "./cost.js"

/** What the gateway (or an embedding app) hands the router. */
export interface RouteRequest {
  /** The request JSON as parsed; routing-only fields are stripped before it goes upstream. */
  readonly body: JsonObject
  /**
   * The JSON text `body` was parsed from, when the caller has it (the gateway does): plugins that pass the body on
   * send its members as they stand in it instead of serialising `body` again (`ChatCall.bodyText`). `body`'s keys may
   * have been removed since (routing fields), never added or changed.
   */
  readonly bodyText?: string
  /** The decoded routing subset of `body`. */
  readonly routing: RoutingRequest
  /** Defaults from the caller's key; request fields win over these. */
  readonly keyDefaults?: {
    readonly priority?: Priority
    readonly escalation?: "allow" | "deny"
    readonly provider?: ProviderPreferences
  }
  /** Prompt size estimate in tokens; when absent the router estimates from the messages. */
  readonly estimatedPromptTokens?: number
  /** Request id for the trace (the gateway's `x-request-id`). */
  readonly requestId?: string
  /** Overall deadline for this request, ms from its start (default `routing.requestTimeoutMs`). */
  readonly timeoutMs?: number
  /**
   * The caller's W3C `traceparent` header: the request's span continues that trace when tracing is on,
   * and upstream calls carry it (tracing off) or their own attempt span (tracing on).
   */
  readonly traceparent?: string
  /**
   * The conversation this request belongs to, from a header (the gateway's `x-session-id`): the affinity
   * key when the body has no `session_id` (see `affinity-key.ts`).
   */
  readonly sessionId?: string
}

export type AttemptOutcome =
  | "success"
  | "rate_limited"
  | "overloaded"
  | "timeout"
  | "transport"
  | "upstream_error"
  | "client_error"
  | "refused_capacity"
  | "cancelled"
  | "hedge_lost"
  | "stream_error"

export interface AttemptTrace {
  /** Endpoint id (`model@slug`). */
  readonly endpoint: string
  readonly model: string
  readonly pool: Pool
  readonly startedAt: number
  readonly endedAt: number
  readonly outcome: AttemptOutcome
  readonly status: number | undefined
  readonly error: string | undefined
  readonly retryAfterMs: number | undefined
  /** The upstream's request id for this attempt (response header or body id), when it sent one. */
  readonly upstreamRequestId?: string | undefined
  /**
   * Set when this attempt exists because of PT escalation: `<cause>:<endpoint id>` of the standard
   * endpoint that failed or was out (`rate_limited:gemini@studio`, `upstream_error:…`, `timeout:…`,
   * `transport:…`, `overloaded:…`, `cooldown:…`, `breaker_open:…`, `capacity:…`), or `predicted_full`.
   */
  readonly escalation: string | undefined
  readonly hedge: boolean
}

export interface RouteTrace {
  readonly requestId: string | undefined
  /** W3C trace id: the request span's when tracing is on, else the caller's `traceparent`'s (if any). */
  readonly traceId?: string | undefined
  readonly requestedModels: ReadonlyArray<string>
  readonly priority: Priority
  readonly plan: {
    readonly attempts: ReadonlyArray<{
      readonly endpoint: string
      readonly model: string
      readonly reasons: ReadonlyArray<string>
    }>
    readonly escalation: ReadonlyArray<{
      readonly endpoint: string
      readonly model: string
      readonly reasons: ReadonlyArray<string>
    }>
    readonly excluded: ReadonlyArray<ExcludedEndpoint>
    readonly steps: ReadonlyArray<string>
  }
  readonly attempts: ReadonlyArray<AttemptTrace>
  /** A provisioned endpoint was tried because of PT escalation (its attempt carries the reason). */
  readonly escalated: boolean
  /** Slug of the endpoint that served (the response's `provider`). */
  readonly servedBy: string | undefined
  /**
   * Which pool the upstream says actually served (Vertex `usageMetadata.trafficType`: `provisioned`,
   * `on_demand`, …), when it says. A provisioned endpoint answered `on_demand` spilled over to
   * pay-as-you-go (the plan's steps say so too).
   */
  readonly servedTraffic?: CapacitySignals["trafficType"] | undefined
  readonly modelUsed: string | undefined
  readonly usage: Usage | undefined
  /** USD: effective price × usage. */
  readonly cost: number | undefined
  /** `cost` by part (uncached prompt, cache reads, cache writes, completion, request) and what caching saved. */
  readonly costDetails?: CostDetails | undefined
  /** Time to the first token the client got, ms from `startedAt` (a non-streamed completion: to the whole answer). */
  readonly ttftMs?: number | undefined
  readonly startedAt: number
  readonly endedAt: number
}

export interface RouteResult {
  /** The OpenAI completion, with top-level `provider` (serving slug), `model` (model used) and `usage.cost` set. */
  readonly body: JsonObject
  /**
   * `JSON.stringify(body)`, when the router has it without serialising `body`: spliced from a relayed
   * upstream body (`ChatResult.relayed`). Send it as it is.
   */
  readonly text?: string | undefined
  readonly endpoint: Endpoint
  /** The serving upstream's request id (for support tickets), when it sent one. */
  readonly upstreamRequestId?: string | undefined
  readonly usage: Usage
  readonly cost: number
  readonly trace: RouteTrace
  /**
   * The request's deadline (Clock epoch ms): an HTTP layer cuts a response its client has not taken
   * by then (the deadline covers the whole response, whichever side stalls).
   */
  readonly deadlineAt?: number | undefined
}

export interface RouteStream {
  readonly endpoint: Endpoint
  /** The serving upstream's request id (for support tickets), when it sent one. */
  readonly upstreamRequestId?: string | undefined
  /**
   * Upstream attempts made before the stream committed, the committed one included (refusals by
   * Health or CapacityMeter, which never reached an upstream, are counted as in `RouteTrace.attempts`).
   */
  readonly attempts: number
  /**
   * OpenAI chunks for the client. The first chunk carries top-level `provider` (the serving slug), no
   * other chunk does (clients merge chunk fields and concatenate repeated strings); an upstream's own
   * `provider` is removed from every chunk and reported once as `upstream_provider`.
   * Never fails: a mid-stream failure becomes a final in-band chunk with `error` and
   * `finish_reason: "error"`. The last chunk carries `usage` (with `cost`) when known.
   */
  readonly chunks: Stream.Stream<JsonObject>
  /**
   * The same chunks, pulled with callbacks (what an HTTP layer writes to its socket: no fiber while the
   * stream waits on its upstream, the upstream read only when the client takes the next batch). Read
   * either this or `chunks`, never both; `cancel()` when the client goes away (the upstream is closed and
   * the stream recorded as cancelled). Fails only with a `StreamDefect` (a bug, never an upstream failure).
   * The router always sets it; a stand-in Router may leave it out (then `sourceOfStream(chunks)`).
   */
  readonly source?: ChunkSource<JsonObject, StreamDefect> | undefined
  /** Completes with the final trace once the stream has ended (or was interrupted). */
  readonly trace: import("effect").Effect.Effect<RouteTrace>
  /**
   * The request's deadline (Clock epoch ms). The router ends the stream there when the upstream is
   * slow; an HTTP layer cuts it there when the client stops reading.
   */
  readonly deadlineAt?: number | undefined
}
