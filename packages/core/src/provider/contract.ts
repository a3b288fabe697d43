import type * as Effect from "effect/Effect"
import type * as Result from "effect/Result"
import type * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import type * as Stream from "effect/Stream"
import type { Endpoint } from "../catalog/endpoint.js"
import type { ConfigInvalid } from "../errors.js"
import type { CallbackClock } from "../simulated/timer.js"
import { type ChunkSource, chunkStream } from "./chunk-source.js"
import type { ProviderError } from "./errors.js"
import type { CapacitySignals, Usage } from "./usage.js"

/** A JSON object as it came over the wire (passed through, never re-modelled). */
export type JsonObject = Record<string, unknown>

/**
 * A completion the gateway relays as the upstream wrote it (OpenAI wire format, canonical JSON; see
 * `relayableCompletion`): the router splices `model`, `provider` and `usage` into `text`.
 */
export interface RelayedCompletion {
  /** The upstream's body, canonical JSON of an object. */
  readonly text: string
  /** Where its top-level `model` value lies (start, end), or -1, -1. */
  readonly modelAt: number
  readonly modelEnd: number
  /** Where its `usage` value lies, or -1, -1. */
  readonly usageAt: number
  readonly usageEnd: number
  /** The `usage` value, parsed (undefined when there is none). */
  readonly usage: unknown
}

/** One upstream call. */
export interface ChatCall {
  /**
   * The OpenAI chat-completions body as the client sent it, with routing-only fields
   * (`models`, `provider`) removed. `model` is still the client's; plugins send `endpoint.upstreamModel`.
   */
  readonly body: JsonObject
  /**
   * The JSON text the client's body was parsed from, when the caller has it (the gateway's requests do): a plugin
   * that sends the client's members on as they came copies them from it (`passedThroughMembers`) instead of
   * serialising `body` again. It may hold members `body` no longer has (routing-only fields, `stream` options);
   * `body` never has one it lacks.
   */
  readonly bodyText?: string | undefined
  readonly endpoint: Endpoint
  /**
   * The call's time limit, handed only to clients that declare `enforcesDeadline` (the router races
   * every other client's call against the limit itself). See `CallDeadline`.
   */
  readonly deadline?: CallDeadline | undefined
  /**
   * W3C `traceparent` to send upstream: the attempt's span when tracing is on, else the caller's own
   * header (when it sent a valid one). Plugins add it to the request headers.
   */
  readonly traceparent?: string | undefined
}

/**
 * A time limit a client enforces on its own call, without a fiber or timer of its own: the router
 * keeps the clock. `arm(onExpire)` when the call is under way (an expiry that already happened calls
 * `onExpire` at once); `onExpire` must cancel the call and fail it with `error()`. Disarm with the
 * returned function when the call ends first.
 */
export interface CallDeadline {
  readonly timeoutMs: number
  readonly arm: (onExpire: () => void) => () => void
  /** The failure of a call that ran out of time (an `UpstreamTimeout`). */
  readonly error: () => ProviderError
}

/** A non-streamed completion in OpenAI shape (`chat.completion`), as received or translated. */
export interface ChatResult {
  readonly body: JsonObject
  readonly usage: Usage
  readonly requestId: string | undefined
  readonly signals: CapacitySignals
  /**
   * `body` as the upstream wrote it, when that is canonical JSON in OpenAI's shape (`relayableCompletion`):
   * the router then splices the client's body into it instead of serialising `body`.
   */
  readonly relayed?: RelayedCompletion | undefined
}

/** Where `ProviderClient.chatOn` reports its call's end. */
export type ChatDone = (result: Result.Result<ChatResult, ProviderError>) => void

/** Where `ProviderClient.streamOn` reports its opening's end. */
export type StreamDone = (result: Result.Result<ChatStream, ProviderError>) => void

/** A streamed completion: headers are in (status 200), chunks follow. */
export interface ChatStream {
  readonly requestId: string | undefined
  readonly signals: CapacitySignals
  /**
   * OpenAI-shaped `chat.completion.chunk` objects (no `[DONE]`). Usage, when the upstream sends it,
   * is on a chunk's `usage` field; `usage: null` chunks and `choices: []` chunks are passed as they are.
   * A stream that ends without a finish_reason fails with `TransportError{kind:"reset"}`.
   */
  readonly chunks: Stream.Stream<JsonObject, ProviderError>
  /**
   * The same chunks as a pull-based `ChunkSource`, when the plugin reads them that way (the transport's
   * SSE bridge does: `sourcedChunks(source)` gives both); the router then reads this, no fiber per
   * stream or per chunk. Without it the router reads `chunks`. Only one of the two is ever read.
   */
  readonly source?: ChunkSource<JsonObject, ProviderError> | undefined
}

/** `chunks` and `source` of a `ChatStream` read from one `ChunkSource`. */
export const sourcedChunks = (
  source: ChunkSource<JsonObject, ProviderError>,
): Pick<ChatStream, "chunks" | "source"> => ({ source, chunks: chunkStream(source) })

/** What a plugin's `make` returns: a client for the provider's endpoints. */
export interface ProviderClient {
  /** `chat` enforces `ChatCall.deadline` itself (see `CallDeadline`). */
  readonly enforcesDeadline?: boolean | undefined
  readonly chat: (call: ChatCall) => Effect.Effect<ChatResult, ProviderError>
  /**
   * The same call as `chat` on the callbacks of a `CallbackClock` (an in-process client in virtual time: the
   * simulated upstream), when the client has it: its answer or failure is reported once through `done`, at
   * the instant `chat` would have produced it (at once for a refusal); the returned function cancels it, as
   * interrupting `chat` would. It enforces `call.deadline` itself (`enforcesDeadline`) without arming it. The
   * router uses it for a non-streamed attempt on such a Clock: no fiber, effect or deadline entry per call.
   */
  readonly chatOn?: ((call: ChatCall, clock: CallbackClock, done: ChatDone) => () => void) | undefined
  /** Resolves once the upstream answered 200 (errors before that fail the effect, not the stream). */
  readonly stream: (call: ChatCall) => Effect.Effect<ChatStream, ProviderError>
  /**
   * The same as `stream` on the callbacks of a `CallbackClock` (`chatOn`'s counterpart): the opened stream or
   * the failure reported once through `done`, at the instant `stream` would have produced it; the returned
   * function cancels the opening. The router opens a streamed attempt with it on such a Clock (no fiber).
   */
  readonly streamOn?: ((call: ChatCall, clock: CallbackClock, done: StreamDone) => () => void) | undefined
  /**
   * Of the request's `parameters` (the body's keys that are endpoint parameters), those this client cannot
   * send upstream: a translating plugin has no equivalent for them. With `provider.require_parameters` the
   * router excludes the endpoint (`excluded_by: require_parameters`); otherwise they are dropped and the
   * trace says so. Absent: every parameter is passed through.
   */
  readonly unmappedParameters?:
    | ((parameters: ReadonlyArray<string>, body: JsonObject) => ReadonlyArray<string>)
    | undefined
}

export interface PluginContext {
  /** Provider slug from the catalog. */
  readonly slug: string
  /** Environment for `{ "env": "NAME" }` secrets. */
  readonly env: Readonly<Record<string, string | undefined>>
}

/** A provider plugin: a kind, an options schema, and a factory. */
export interface ProviderPlugin<Options = unknown> {
  readonly kind: string
  readonly options: Schema.Decoder<Options>
  readonly make: (options: Options, ctx: PluginContext) => Effect.Effect<ProviderClient, ConfigInvalid, Scope.Scope>
}

/** Helper to keep a plugin's option type when putting it in a registry. */
export const definePlugin = <Options>(plugin: ProviderPlugin<Options>): ProviderPlugin<Options> => plugin
