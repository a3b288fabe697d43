import type { Gateway } from "../handler/gateway.js"
import type { GatewayRequest } from "../handler/types.js"

/**
 * The HTTP event of API Gateway HTTP APIs (payload format 2.0) and Lambda Function URLs — the same
 * shape (`aws-lambda`'s `APIGatewayProxyEventV2` / `LambdaFunctionURLEvent` satisfy it).
 */
export interface LambdaHttpEvent {
  readonly version?: string
  readonly rawPath: string
  readonly rawQueryString?: string
  readonly headers?: Readonly<Record<string, string | undefined>>
  readonly body?: string | undefined
  readonly isBase64Encoded: boolean
  readonly requestContext: {
    readonly http: { readonly method: string }
    readonly stage?: string
  }
}

/** The part of the Lambda `Context` the adapters read. */
export interface LambdaContext {
  readonly getRemainingTimeInMillis?: () => number
}

export interface LambdaOptions {
  /** Path prefix to strip (default: the API Gateway stage, when it is not `$default`). */
  readonly basePath?: string | undefined
  /** Abort the request this long before the Lambda's own deadline (default 1000 ms). */
  readonly deadlineMarginMs?: number | undefined
}

const EMPTY = new Uint8Array(0)

export type LambdaRequest =
  | {
      readonly request: GatewayRequest
      /** Abort the request now (the client went away). */
      readonly abort: () => void
      /** Clear the deadline timer once the response is done. */
      readonly cancel: () => void
    }
  | { readonly tooLarge: true }

/** Map a v2 event to the gateway request: stage prefix stripped, base64 bodies decoded, deadline as abort signal. */
export const fromLambdaEvent = (
  gateway: Gateway,
  event: LambdaHttpEvent,
  context: LambdaContext | undefined,
  options: LambdaOptions,
): LambdaRequest => {
  const raw = event.body
  const body = raw === undefined || raw === "" ? EMPTY : Buffer.from(raw, event.isBase64Encoded ? "base64" : "utf8")
  if (body.byteLength > gateway.maxBodyBytes) return { tooLarge: true }
  const stage = event.requestContext.stage
  const prefix = options.basePath ?? (stage !== undefined && stage !== "$default" ? `/${stage}` : "")
  let path = event.rawPath
  if (prefix !== "" && (path === prefix || path.startsWith(`${prefix}/`))) path = path.slice(prefix.length) || "/"
  if (event.rawQueryString) path = `${path}?${event.rawQueryString}`
  const abort = new AbortController()
  const remaining = context?.getRemainingTimeInMillis?.()
  const timer =
    remaining === undefined
      ? undefined
      : setTimeout(() => abort.abort(), Math.max(0, remaining - (options.deadlineMarginMs ?? 1000)))
  timer?.unref?.()
  return {
    request: {
      method: event.requestContext.http.method.toUpperCase(),
      path,
      headers: event.headers ?? {},
      body,
      signal: abort.signal,
    },
    abort: () => abort.abort(),
    cancel: () => {
      if (timer !== undefined) clearTimeout(timer)
    },
  }
}
