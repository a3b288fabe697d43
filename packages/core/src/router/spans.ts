import * as Context from "effect/Context"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import type * as Tracer from "effect/Tracer"
import type { Endpoint } from "../catalog/endpoint.js"
import { formatTraceparent } from "./traceparent.js"
import type { AttemptTrace, RouteTrace } from "./types.js"

/** OpenTelemetry GenAI `gen_ai.system` of a provider kind (the kind itself when there is no registered value). */
const GEN_AI_SYSTEM: Readonly<Record<string, string>> = {
  "openai-compatible": "openai",
  "azure-openai": "az.ai.openai",
  google: "gcp.gemini",
  "google-vertex": "gcp.vertex_ai",
  anthropic: "anthropic",
}

const nanos = (ms: number): bigint => BigInt(Math.round(ms)) * 1_000_000n

/**
 * A span's failure as the exporter sees it: a name and a short message made of routing facts only —
 * never upstream text (it may echo credentials), never message content.
 */
const failure = (
  name: string,
  message: string,
): Exit.Exit<never, { readonly name: string; readonly message: string }> => Exit.fail({ name, message })

const NO_LINKS: Array<Tracer.SpanLink> = []
const EMPTY_ANNOTATIONS: Context.Context<never> = Context.empty()

interface OpenAttempt {
  readonly endpoint: Endpoint
  readonly startedAt: number
  readonly span: Tracer.Span
}

/**
 * The OpenTelemetry spans of one routed request, made with the runtime's `Tracer` (Effect's OTLP
 * exporter in the gateway) from the router's own clock readings: one `server` span for the request
 * (the caller's `traceparent` or the fiber's current span as its parent), and one `client` span per
 * attempt, all children of the request span — fallbacks, hedges and PT escalations are siblings.
 * Attributes follow the GenAI semantic conventions (`gen_ai.*`) plus `switchyard.*`. An attempt's span
 * id is what the upstream receives in `traceparent`. Spans end when the trace says so (an attempt's
 * entry, the finished trace) or, for a request that fails or is interrupted, when its program exits.
 */
export class RequestSpans {
  private readonly request: Tracer.Span
  private readonly open: Array<OpenAttempt> = []
  /** Successful attempts: ended with the usage and cost once the request finishes. */
  private readonly succeeded: Array<{ readonly open: OpenAttempt; readonly entry: AttemptTrace }> = []
  private ended = false
  /** Endpoints by id (for attempts that were refused before a span was started). */
  endpoints: ReadonlyMap<string, Endpoint> = new Map()

  constructor(
    private readonly tracer: Tracer.Tracer,
    parent: Option.Option<Tracer.AnySpan>,
    requestedModel: string | undefined,
    requestId: string | undefined,
    startedAt: number,
  ) {
    this.request = tracer.span({
      name: requestedModel === undefined ? "chat" : `chat ${requestedModel}`,
      parent,
      annotations: parent._tag === "Some" ? parent.value.annotations : EMPTY_ANNOTATIONS,
      links: NO_LINKS,
      startTime: nanos(startedAt),
      kind: "server",
      root: parent._tag === "None",
      sampled: parent._tag === "Some" ? parent.value.sampled : true,
    })
    this.request.attribute("gen_ai.operation.name", "chat")
    if (requestedModel !== undefined) this.request.attribute("gen_ai.request.model", requestedModel)
    if (requestId !== undefined) this.request.attribute("switchyard.request_id", requestId)
  }

  get traceId(): string {
    return this.request.traceId
  }

  /** An attempt's call is about to start: its span, and the `traceparent` the upstream gets. */
  attemptStarted(endpoint: Endpoint, startedAt: number, escalation: string | undefined, hedge: boolean): string {
    const span = this.attemptSpan(endpoint, startedAt, escalation, hedge)
    this.open.push({ endpoint, startedAt, span })
    return formatTraceparent(span.traceId, span.spanId, span.sampled)
  }

  /** An attempt's trace entry was written (it ended, or was refused before the call). */
  attemptEnded(entry: AttemptTrace): void {
    let open: OpenAttempt | undefined
    for (let i = 0; i < this.open.length; i++) {
      const o = this.open[i]!
      if (o.endpoint.id === entry.endpoint && o.startedAt === entry.startedAt) {
        open = o
        this.open.splice(i, 1)
        break
      }
    }
    if (open === undefined) {
      // refused by Health or the CapacityMeter: nothing was sent, the span is the refusal itself
      const endpoint = this.endpoints.get(entry.endpoint)
      if (endpoint === undefined) return
      open = {
        endpoint,
        startedAt: entry.startedAt,
        span: this.attemptSpan(endpoint, entry.startedAt, entry.escalation, entry.hedge),
      }
    }
    if (entry.outcome === "success") this.succeeded.push({ open, entry })
    else endAttempt(open, entry, undefined)
  }

  /** The trace is final: end the successful attempts and, when a response was served, the request. */
  finished(trace: RouteTrace): void {
    for (const { open, entry } of this.succeeded.splice(0))
      endAttempt(open, entry, entry.outcome === "success" && trace.servedBy === open.endpoint.slug ? trace : undefined)
    const span = this.request
    span.attribute("switchyard.attempts", trace.attempts.length)
    span.attribute("switchyard.escalated", trace.escalated)
    span.attribute("switchyard.priority", trace.priority)
    if (trace.servedBy === undefined) return // a failure: ended with its error when the program exits
    const served = trace.attempts.findLast((a) => a.outcome === "success" || a.outcome === "stream_error")
    if (trace.modelUsed !== undefined) span.attribute("gen_ai.response.model", trace.modelUsed)
    if (served !== undefined) {
      span.attribute("switchyard.endpoint", served.endpoint)
      span.attribute("switchyard.pool", served.pool)
    }
    span.attribute("switchyard.provider", trace.servedBy)
    usageAttributes(span, trace)
    const outcome = served?.outcome ?? "success"
    span.attribute("switchyard.outcome", outcome)
    // a committed stream can still be cut (upstream failure) or abandoned by its client
    this.end(
      trace.endedAt,
      outcome === "success"
        ? Exit.void
        : outcome === "cancelled"
          ? Exit.interrupt()
          : failure("StreamError", "the stream failed after its first token"),
    )
  }

  /** The request's program exited: a failure or an interruption ends what is still open. */
  exited(exit: Exit.Exit<unknown, unknown>, now: number): void {
    if (this.ended || Exit.isSuccess(exit)) return
    for (const o of this.open.splice(0)) {
      o.span.attribute("switchyard.outcome", "cancelled")
      o.span.end(nanos(now), Exit.interrupt())
    }
    const error = exit.cause.reasons.find((r) => r._tag === "Fail")
    const tag = error === undefined ? undefined : (error.error as { readonly _tag?: unknown })._tag
    if (typeof tag === "string") {
      this.request.attribute("switchyard.outcome", tag)
      this.end(now, failure(tag, `the request failed: ${tag}`))
    } else {
      this.request.attribute("switchyard.outcome", "cancelled")
      this.end(
        now,
        exit.cause.reasons.some((r) => r._tag === "Die") ? failure("Defect", "internal error") : Exit.interrupt(),
      )
    }
  }

  private end(at: number, exit: Exit.Exit<unknown, unknown>): void {
    if (this.ended) return
    this.ended = true
    this.request.end(nanos(at), exit)
  }

  private attemptSpan(
    endpoint: Endpoint,
    startedAt: number,
    escalation: string | undefined,
    hedge: boolean,
  ): Tracer.Span {
    const span = this.tracer.span({
      name: `chat ${endpoint.upstreamModel}`,
      parent: Option.some(this.request),
      annotations: this.request.annotations,
      links: NO_LINKS,
      startTime: nanos(startedAt),
      kind: "client",
      root: false,
      sampled: this.request.sampled,
    })
    span.attribute("gen_ai.operation.name", "chat")
    span.attribute("gen_ai.system", GEN_AI_SYSTEM[endpoint.providerKind] ?? endpoint.providerKind)
    span.attribute("gen_ai.request.model", endpoint.upstreamModel)
    span.attribute("switchyard.endpoint", endpoint.id)
    span.attribute("switchyard.provider", endpoint.slug)
    span.attribute("switchyard.pool", endpoint.pool)
    span.attribute("switchyard.escalated", escalation !== undefined)
    if (escalation !== undefined) span.attribute("switchyard.escalation", escalation)
    span.attribute("switchyard.hedge", hedge)
    return span
  }
}

const usageAttributes = (span: Tracer.Span, trace: RouteTrace): void => {
  if (trace.usage !== undefined) {
    span.attribute("gen_ai.usage.input_tokens", trace.usage.promptTokens)
    span.attribute("gen_ai.usage.output_tokens", trace.usage.completionTokens)
  }
  if (trace.cost !== undefined) span.attribute("switchyard.cost_usd", trace.cost)
}

/** End an attempt's span from its trace entry; `served`: the finished trace of the attempt that served. */
const endAttempt = (open: OpenAttempt, entry: AttemptTrace, served: RouteTrace | undefined): void => {
  const span = open.span
  span.attribute("switchyard.outcome", entry.outcome)
  if (entry.status !== undefined) span.attribute("http.response.status_code", entry.status)
  if (entry.retryAfterMs !== undefined) span.attribute("switchyard.retry_after_ms", entry.retryAfterMs)
  if (served !== undefined) {
    span.attribute("gen_ai.response.model", open.endpoint.upstreamModel)
    usageAttributes(span, served)
  }
  const exit =
    entry.outcome === "success"
      ? Exit.void
      : entry.outcome === "cancelled" || entry.outcome === "hedge_lost"
        ? Exit.interrupt()
        : failure(entry.outcome, entry.status === undefined ? entry.outcome : `${entry.outcome} (${entry.status})`)
  if (entry.outcome !== "success") span.attribute("error.type", entry.outcome)
  span.end(nanos(entry.endedAt), exit)
}
