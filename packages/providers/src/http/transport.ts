/**
 * HTTP transport for provider plugins, over undici. Build one per provider client inside the plugin's
 * `make` (it runs in a Scope; the connection pools are destroyed when that Scope closes).
 *
 *   const http = yield* makeTransport({ provider: ctx.slug, timeouts: options.timeouts, secrets: [apiKey] })
 *
 *   http.requestJson({ url, headers, body }) → Effect<{ response, json }, ProviderError>
 *       non-2xx → classified error; body not JSON → MalformedResponse
 *   http.requestText(req) → Effect<{ response, text }, ProviderError>: the same without the parse
 *       (`http.parseJson(status, text)` parses it as `requestJson` would)
 *   http.requestSse({ url, headers, body })  → Effect<{ response, messages: SseMessages }, ProviderError>
 *       resolves at 2xx headers; the body is decoded as SSE as it arrives and read in batches through
 *       `messages` — turn them into chunks with `sseSource(messages, convert, end)` (one bridge for every
 *       plugin: a `ChunkSource`, see `sourcedChunks` in core) or `messageStream(messages)`;
 *       `response.destroy()` aborts the stream
 *   http.requestSse(req, { acceptJson: true }) → also `{ response, json }` when a 2xx answer is not
 *       `text/event-stream` (read whole and parsed; Google may answer a stream request as one JSON array)
 *   http.redact(text) → text without the configured secrets
 *
 * A non-2xx answer is read whole and classified by `config.classify` (default `classifyHttpError`).
 *
 * Pooling: one undici Agent per transport = one keep-alive Pool per origin. Timeouts (connect, headers,
 * body idle) are undici's socket timers. Interrupting the calling fiber aborts the request (before headers)
 * or destroys the body (after). Network failures map through `classifyTransportError` (the client-visible
 * error names the failure and its code; the full detail, hosts and ports included, is logged at warning
 * level). Every error the transport returns has every string field redacted (`redactError`).
 * A response's `headers` are lower-cased (`HeaderMap`); read capacity signals with `readSignals(response.headers)`.
 */
import type { CallDeadline, ProviderError } from "@switchyard/core"
import { MalformedResponse } from "@switchyard/core"
import * as Effect from "effect/Effect"
import type * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import type { Dispatcher } from "undici"
import { classifyHttpError, type HttpFailure } from "../errors/classify-http.js"
import { classifyTransportError, transportErrorDetail } from "../errors/classify-transport.js"
import { makeRedactor, type Redactor, redactError, redactedPrefix } from "../errors/redact.js"
import { responseNowMs } from "../signals/headers.js"
import { dispatchSse, type SseExchange, type SseHead } from "../sse/dispatch.js"
import type { SseMessages } from "../sse/exchange-stream.js"
import { type BufferedResponse, dispatchBuffered } from "./buffered.js"
import type { HeaderMap } from "./header-map.js"
import { requestIdFrom } from "./request-id.js"
import { resolveTimeouts, type Timeouts, type TimeoutsOptions } from "./timeouts.js"
import { ResponseTooLargeError } from "./too-large.js"
import { Agent } from "./undici.js"

export interface TransportConfig {
  /** Provider slug, used in every error. */
  readonly provider: string
  readonly timeouts?: TimeoutsOptions | undefined
  /** Values masked in every error message (API keys, tokens). */
  readonly secrets?: ReadonlyArray<Redacted.Redacted<string> | string> | undefined
  /**
   * Max sockets per origin (default: no limit). A streamed completion holds its socket for its whole
   * length, so a cap queues new requests behind open streams; set one only for an upstream that needs it.
   */
  readonly connections?: number | undefined
  /** Idle keep-alive of pooled sockets (default 30 s). */
  readonly keepAliveMs?: number | undefined
  /** A non-2xx answer → ProviderError (default `classifyHttpError`; Google and Anthropic refine it). */
  readonly classify?: ((failure: HttpFailure) => ProviderError) | undefined
  /**
   * Response headers that carry the upstream's request id, first match wins (default `["x-request-id"]`):
   * read by `transport.requestId` and put on every classified error.
   */
  readonly requestIdHeaders?: ReadonlyArray<string> | undefined
}

export interface HttpRequest {
  readonly url: string | URL
  readonly method?: "POST" | "GET" | undefined
  readonly headers: Readonly<Record<string, string>>
  /** JSON text (or any string). */
  readonly body?: string | undefined
  /** The call's time limit, kept by the router (`requestJson` enforces it: abort + the deadline's error). */
  readonly deadline?: CallDeadline | undefined
  /** W3C `traceparent` sent with the request (the router's `ChatCall.traceparent`). */
  readonly traceparent?: string | undefined
}

export interface HttpResponse {
  readonly status: number
  readonly headers: HeaderMap
  /** Abort the exchange (a stream's body); a no-op once it is over. */
  readonly destroy: () => void
}

export interface SseOptions {
  /** A 2xx answer that is not `text/event-stream` is read whole and parsed as JSON (`SseAnswer.json`). */
  readonly acceptJson?: boolean | undefined
}

/** A streamed answer: its SSE `messages`, or (`acceptJson` only) the JSON a 2xx answered instead. */
export type SseAnswer =
  | { readonly response: HttpResponse; readonly messages: SseMessages; readonly json: undefined }
  | { readonly response: HttpResponse; readonly messages: undefined; readonly json: unknown }

export interface Transport {
  readonly provider: string
  readonly timeouts: Timeouts
  readonly redact: Redactor
  /** The upstream's request id in these response headers (see `TransportConfig.requestIdHeaders`). */
  readonly requestId: (headers: HeaderMap) => string | undefined
  readonly requestJson: (
    req: HttpRequest,
  ) => Effect.Effect<{ readonly response: HttpResponse; readonly json: unknown }, ProviderError>
  /** `requestJson` without the parse: a 2xx answer's body as text (UTF-8), for `parseJson` or a relay. */
  readonly requestText: (
    req: HttpRequest,
  ) => Effect.Effect<{ readonly response: HttpResponse; readonly text: string }, ProviderError>
  /** `text` parsed, or the `MalformedResponse` `requestJson` fails with when a 2xx body is not JSON. */
  readonly parseJson: (status: number, text: string) => Effect.Effect<unknown, ProviderError>
  readonly requestSse: {
    (req: HttpRequest): Effect.Effect<Extract<SseAnswer, { json: undefined }>, ProviderError>
    (req: HttpRequest, options: SseOptions): Effect.Effect<SseAnswer, ProviderError>
  }
}

const isOk = (status: number) => status >= 200 && status < 300

const noop = () => {}

export const makeTransport = (config: TransportConfig): Effect.Effect<Transport, never, Scope.Scope> =>
  Effect.gen(function* () {
    const provider = config.provider
    const timeouts = resolveTimeouts(config.timeouts)
    const redact = makeRedactor(config.secrets ?? [])
    const classify = config.classify ?? classifyHttpError
    const idHeaders = config.requestIdHeaders ?? ["x-request-id"]
    const requestId = (headers: HeaderMap) => requestIdFrom(headers, idHeaders)
    const agent = yield* Effect.acquireRelease(
      Effect.sync(
        () =>
          new Agent({
            connect: { timeout: timeouts.connectMs },
            headersTimeout: timeouts.headersMs,
            bodyTimeout: timeouts.bodyMs,
            keepAliveTimeout: config.keepAliveMs ?? 30_000,
            ...(config.connections === undefined ? {} : { connections: config.connections }),
          }),
      ),
      (a) => Effect.promise(() => a.destroy()).pipe(Effect.ignore),
    )
    // an answer past what is held of one (`MAX_RESPONSE_BYTES`) is the endpoint's failure, retried elsewhere
    const onError = (cause: unknown): ProviderError =>
      cause instanceof ResponseTooLargeError
        ? new MalformedResponse({ provider, status: 0, message: `upstream answer too large: ${cause.message}` })
        : classifyTransportError(provider, cause)
    /** A network failure before the answer: the error for the caller, the full detail for the log. */
    const failNetwork = (cause: unknown): Effect.Effect<never, ProviderError> => {
      const error = onError(cause)
      return Effect.andThen(
        Effect.logWarning(`upstream ${provider}: ${error.message}: ${transportErrorDetail(cause, redact)}`),
        Effect.fail(error),
      )
    }

    const notJson = (status: number, body: string) =>
      new MalformedResponse({
        provider,
        status,
        message: `response body is not JSON: ${redactedPrefix(redact, body, 120)}`,
      })

    const parseJson = (status: number, text: string): Effect.Effect<unknown, ProviderError> => {
      try {
        return Effect.succeed(JSON.parse(text) as unknown)
      } catch {
        return Effect.fail(notJson(status, text))
      }
    }

    const failWith = (status: number, headers: HeaderMap, body: string): Effect.Effect<never, ProviderError> =>
      Effect.flatMap(responseNowMs(headers), (nowMs) =>
        Effect.fail(
          redactError(
            classify({ provider, status, body, headers, nowMs, redact, requestId: requestId(headers) }),
            redact,
          ),
        ),
      )

    /** The answer to a buffered exchange: JSON for a 2xx, else the classified error. */
    const settleJson = (
      res: BufferedResponse,
    ): Effect.Effect<{ readonly response: HttpResponse; readonly json: unknown }, ProviderError> => {
      const t = res.body.toString("utf8")
      if (!isOk(res.status)) return failWith(res.status, res.headers, t)
      return Effect.map(parseJson(res.status, t), (json) => ({
        response: { status: res.status, headers: res.headers, destroy: noop },
        json,
      }))
    }

    /** The answer to a buffered exchange: the text of a 2xx, else the classified error. */
    const settleText = (
      res: BufferedResponse,
    ): Effect.Effect<{ readonly response: HttpResponse; readonly text: string }, ProviderError> => {
      const text = res.body.toString("utf8")
      if (!isOk(res.status)) return failWith(res.status, res.headers, text)
      return Effect.succeed({ response: { status: res.status, headers: res.headers, destroy: noop }, text })
    }

    // One callback per request on undici's dispatcher: no Promise, no Readable, no AbortController.
    // Interrupting the fiber aborts the request (before or after the headers); so does the deadline.
    const buffered =
      <A>(settle: (res: BufferedResponse) => Effect.Effect<A, ProviderError>) =>
      (req: HttpRequest) =>
        Effect.callback<A, ProviderError>((resume) => {
          let disarm: (() => void) | undefined
          const cancel = dispatchBuffered(agent, dispatchOptions(req), (error, res) => {
            disarm?.()
            if (error !== undefined || res === undefined) return resume(failNetwork(error))
            // never a throw into undici's callback (the request would hang there): a body that cannot be read fails
            let settled: Effect.Effect<A, ProviderError>
            try {
              settled = settle(res)
            } catch (e) {
              const message = `response body could not be read: ${e instanceof Error ? e.name : "error"}`
              settled = Effect.fail(new MalformedResponse({ provider, status: res.status, message }))
            }
            resume(settled)
          })
          const deadline = req.deadline
          if (deadline !== undefined)
            disarm = deadline.arm(() => {
              cancel()
              resume(Effect.fail(deadline.error()))
            })
          return Effect.sync(() => {
            disarm?.()
            cancel()
          })
        })
    const requestJson = buffered(settleJson)
    const requestText = buffered(settleText)

    // Streamed calls on undici's dispatcher too: the SSE is decoded as the bytes arrive (no Readable,
    // no async iterator, no AbortController per stream). Interrupting before the headers, or closing
    // the chunks made from `messages` after them, aborts the request.
    const requestSse = (req: HttpRequest, options?: SseOptions) =>
      Effect.callback<SseAnswer, ProviderError>((resume) => {
        const exchange = dispatchSse(
          agent,
          dispatchOptions(req),
          (error, head) => {
            if (error !== undefined || head === undefined) return resume(failNetwork(error))
            if (head.errorBody !== undefined) return resume(failWith(head.status, head.headers, head.errorBody))
            const { response, messages } = sseAnswer(exchange, head, onError)
            if (head.jsonBody !== undefined)
              return resume(
                Effect.map(parseJson(head.status, head.jsonBody), (json) => ({ response, messages: undefined, json })),
              )
            resume(Effect.succeed({ response, messages, json: undefined }))
          },
          options?.acceptJson === true,
        )
        return Effect.sync(() => exchange.cancel())
      })

    return {
      provider,
      timeouts,
      redact,
      requestId,
      requestJson,
      requestText,
      parseJson,
      requestSse: requestSse as Transport["requestSse"],
    }
  })

/**
 * The response and message reader of an answered SSE exchange. Built out here, not in the request's
 * callback: a closure made there would keep the callback's scope — the request fiber's `resume`, and so
 * the fiber — alive for as long as the stream is read.
 */
const sseAnswer = (
  exchange: SseExchange,
  head: SseHead,
  onError: (cause: unknown) => ProviderError,
): { readonly response: HttpResponse; readonly messages: SseMessages } => {
  const cancel = (): void => exchange.cancel()
  return {
    response: { status: head.status, headers: head.headers, destroy: cancel },
    messages: { read: (done) => exchange.read(done), cancel, onError },
  }
}

/** One request as undici's dispatcher takes it: one object, its fields in one order (no spread copies). */
const dispatchOptions = (req: HttpRequest): Dispatcher.DispatchOptions => {
  const url = urlParts(req.url)
  return {
    origin: url.origin,
    path: url.path,
    method: req.method ?? "POST",
    headers: req.traceparent === undefined ? req.headers : { ...req.headers, traceparent: req.traceparent },
    body: req.body ?? null,
  }
}

interface UrlParts {
  readonly origin: string
  readonly path: string
}

/** Parsed URLs by text: a provider calls the same few URLs over and over. Bounded. */
const parsedUrls = new Map<string, UrlParts>()
const PARSED_URLS_MAX = 1024

/** undici's `Agent.request` wants origin + path separately. */
const urlParts = (url: string | URL): UrlParts => {
  if (typeof url !== "string") return { origin: url.origin, path: `${url.pathname}${url.search}` }
  let parts = parsedUrls.get(url)
  if (parts === undefined) {
    const u = new URL(url)
    parts = { origin: u.origin, path: `${u.pathname}${u.search}` }
    if (parsedUrls.size >= PARSED_URLS_MAX) parsedUrls.clear()
    parsedUrls.set(url, parts)
  }
  return parts
}
