import type * as Clock from "effect/Clock"
import type * as Effect from "effect/Effect"
import type * as Result from "effect/Result"
import type { RoutingDefaults } from "../catalog/catalog.js"
import type { Endpoint } from "../catalog/endpoint.js"
import type { PlannedAttempt, RoutePlan, Snapshot } from "../policy/types.js"
import type { JsonObject, ProviderClient } from "../provider/contract.js"
import type { ProviderError } from "../provider/errors.js"
import type { AffinityShape } from "../services/affinity/service.js"
import type { Books } from "../services/books.js"
import type { CapacityShape, Reservation } from "../services/capacity/service.js"
import type { HealthShape } from "../services/health/service.js"
import type { LiveStateAtOnce, LiveStateShape } from "../services/live-state.js"
import type { RetryBudgetAtOnce, RetryBudgetShape } from "../services/retry-budget/service.js"
import type { StatsShape } from "../services/stats/service.js"
import type { Classified } from "./classify.js"
import type { Deadlines } from "./deadlines.js"
import type { Deployment } from "./deployment.js"
import type { Prepared } from "./prepare.js"
import type { MutableAttemptTrace, TraceRecorder } from "./trace.js"

/** Services and process-wide state of one router instance (built once with the layer). */
export interface RouterServices {
  readonly capacity: CapacityShape
  readonly stats: StatsShape
  readonly health: HealthShape
  /** The request gates (snapshot reads, admission) and the store's status. */
  readonly live: LiveStateShape
  /** Retries and hedges as a share of traffic. */
  readonly budget: RetryBudgetShape
  /** Which endpoint served each conversation's last turn. */
  readonly affinity: AffinityShape
  readonly random: () => number
  /** Time limits of upstream calls (one sleeping fiber for all of them). */
  readonly deadlines: Deadlines
  /** An attempt's closing bookkeeping at an instant (`services/books.ts`), over `capacity`, `stats`, `health`. */
  readonly books: (now: number) => Books
  /** `books` run at once (every store has synchronous bookkeeping): an attempt on callbacks may then end at once. */
  readonly booksAtOnce: boolean
  /**
   * The gates and budget at once (`atOnceOf`: the in-memory store's `withTwin` twins, or a shared store's `withAtOnce`),
   * when both `live` and `budget` have them: the router runs them at once instead of as effects (the same operations at
   * the same instant), and runs the effect a gate answers with only when it needs one (a round trip).
   */
  readonly twins: { readonly live: LiveStateAtOnce; readonly budget: RetryBudgetAtOnce } | undefined
}

/** One request in flight: inputs computed once, plus its trace. */
export interface RequestContext {
  readonly services: RouterServices
  readonly deployment: Deployment
  readonly routing: RoutingDefaults
  readonly prepared: Prepared
  /** Body sent upstream for this mode (chat: without `stream`; stream: `stream: true` + `include_usage`). */
  readonly body: JsonObject
  /** The JSON text the client's body was parsed from (`RouteRequest.bodyText`), handed to every call. */
  readonly bodyText: string | undefined
  readonly plan: RoutePlan
  readonly snapshot: Snapshot
  readonly trace: TraceRecorder
  readonly startedAt: number
  readonly deadlineAt: number
  /** The caller's valid `traceparent`, sent upstream as it is when tracing is off. */
  readonly traceparent: string | undefined
  /**
   * The request's `Clock` (its fiber's, read once when it began). A step that is built while it runs (in the
   * continuation of the step before) reads the time from it at once, instead of through `Effect.clockWith`.
   */
  readonly clock: Clock.Clock
}

export interface QueuedAttempt {
  readonly planned: PlannedAttempt
  /** Why this attempt exists because of PT escalation (e.g. `upstream_error:gemini@vertex`); see `AttemptTrace.escalation`. */
  readonly escalation: string | undefined
}

/** Per-attempt flags: `lost` is set by the hedger before it interrupts the losing attempt. */
export interface AttemptControl {
  lost: boolean
  /** Another attempt could follow this one: its time limit leaves room for it (see `attempt-timeout.ts`). */
  readonly fallbackLeft: boolean
}

export interface AttemptInfo {
  readonly queued: QueuedAttempt
  readonly endpoint: Endpoint
  readonly reservation: Reservation
  readonly probe: boolean
  readonly startedAt: number
  readonly hedge: boolean
}

export type AttemptResult<A> =
  | {
      readonly _tag: "Ok"
      readonly info: AttemptInfo
      readonly value: A
      /** The trace entry when already written (chat); streams write theirs when they end. */
      readonly trace: MutableAttemptTrace | undefined
    }
  | {
      readonly _tag: "Failed"
      readonly queued: QueuedAttempt
      readonly endpoint: Endpoint
      readonly error: ProviderError
      readonly classified: Classified
      /** The attempt was cut by the overall request deadline. */
      readonly deadlineHit: boolean
    }
  | {
      readonly _tag: "Refused"
      readonly queued: QueuedAttempt
      readonly endpoint: Endpoint
      /** ms until the endpoint could take the request (Infinity: never). */
      readonly waitMs: number
      readonly reason: "cooldown" | "breaker_open" | "full" | "blocked" | "too_large"
    }

export type AttemptOk<A> = Extract<AttemptResult<A>, { readonly _tag: "Ok" }>

/** What differs between a non-streamed and a streamed attempt. */
export interface Mode<A> {
  /**
   * Per-attempt time limit on `endpoint` at `now` (`attemptLimitMs`: configured, measured, bounded by the
   * request deadline and leaving time for a fallback when `fallbackLeft`).
   */
  readonly timeoutMs: (ctx: RequestContext, endpoint: Endpoint, now: number, fallbackLeft: boolean) => number
  /**
   * The upstream call up to the point of success (chat: the completion; stream: the first content
   * chunk). Must free its own resources when it fails or is interrupted.
   */
  readonly call: (
    ctx: RequestContext,
    endpoint: Endpoint,
    client: ProviderClient,
    timeoutMs: number,
    traceparent: string | undefined,
  ) => Effect.Effect<A, ProviderError>
  /**
   * Bookkeeping of a success, run uninterruptibly inside the attempt; called as it runs (in the call's
   * continuation), so it may read `ctx.clock` and do its bookkeeping at once.
   */
  readonly onSuccess: (
    ctx: RequestContext,
    info: AttemptInfo,
    value: A,
  ) => Effect.Effect<MutableAttemptTrace | undefined>
  /**
   * The same call on the callbacks of the request's Clock, when this mode, the client and the Clock allow it (a
   * non-streamed call to an in-process client in virtual time, `ProviderClient.chatOn`), else undefined:
   * `start(done)` begins it, reports its end once through `done` and returns its cancel (as interrupting `call`).
   */
  readonly callOn?: (
    ctx: RequestContext,
    endpoint: Endpoint,
    client: ProviderClient,
    timeoutMs: number,
    traceparent: string | undefined,
  ) => ((done: (result: Result.Result<A, ProviderError>) => void) => () => void) | undefined
  /** `onSuccess` at once, for an attempt on callbacks (only when `RouterServices.booksAtOnce`). */
  readonly onSuccessNow?: (ctx: RequestContext, info: AttemptInfo, value: A) => MutableAttemptTrace | undefined
  /** A success that lost a hedge race after the fact: release what it holds, mark it lost. */
  readonly discard: (ctx: RequestContext, ok: AttemptOk<A>) => Effect.Effect<void>
}
