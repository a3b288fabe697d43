import type { Gateway } from "../handler/gateway.js"
import { type GatewayResponse, isStreamBody, type StreamBody } from "../handler/types.js"

const EMPTY = new Uint8Array(0)

/** Read a Web request body, giving up (and cancelling the read) once it passes `max` bytes. */
export const readLimited = async (request: Request, max: number): Promise<Uint8Array | undefined> => {
  const declared = request.headers.get("content-length")
  if (declared !== null && Number(declared) > max) return undefined
  if (request.body === null) return EMPTY
  const reader = request.body.getReader()
  const chunks: Array<Uint8Array> = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > max) {
      await reader.cancel().catch(() => undefined)
      return undefined
    }
    chunks.push(value)
  }
  if (chunks.length === 1) return chunks[0]!
  const out = new Uint8Array(size)
  let at = 0
  for (const c of chunks) {
    out.set(c, at)
    at += c.byteLength
  }
  return out
}

/** A streamed gateway body as a Web `ReadableStream`; cancelling it closes the route (and the upstream). */
export const toReadableStream = (body: StreamBody): ReadableStream<Uint8Array> => {
  const it = body[Symbol.asyncIterator]()
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const step = await it.next()
        if (step.done) controller.close()
        else controller.enqueue(step.value)
      } catch (e) {
        controller.error(e)
      }
    },
    async cancel() {
      await it.return?.()
    },
  })
}

const NULL_BODY = new Set([101, 204, 205, 304])

/** A gateway response as a Web `Response`. */
export const toWebResponse = (response: GatewayResponse, head = false): Response => {
  const body = response.body
  if (isStreamBody(body)) {
    if (head) {
      void body[Symbol.asyncIterator]().return?.()
      return new Response(null, { status: response.status, headers: response.headers })
    }
    return new Response(toReadableStream(body), { status: response.status, headers: response.headers })
  }
  const nullBody = head || NULL_BODY.has(response.status)
  return new Response(nullBody ? null : (body as BodyInit), { status: response.status, headers: response.headers })
}

const pathOf = (url: string): string => {
  const scheme = url.indexOf("://")
  const slash = url.indexOf("/", scheme < 0 ? 0 : scheme + 3)
  return slash < 0 ? "/" : url.slice(slash)
}

export type FetchHandler = (request: Request) => Promise<Response>

/**
 * The gateway as `fetch(Request) → Response`, for Workers, Bun, Deno and Hono. `path` overrides the
 * request's own path (a router that mounted the gateway under a prefix passes the rest).
 */
export const handleFetch = async (gateway: Gateway, request: Request, path?: string): Promise<Response> => {
  const body = await readLimited(request, gateway.maxBodyBytes)
  if (body === undefined) return toWebResponse(gateway.tooLarge())
  const headers: Record<string, string> = {}
  request.headers.forEach((value, name) => {
    headers[name] = value
  })
  const response = await gateway.handle({
    method: request.method,
    path: path ?? pathOf(request.url),
    headers,
    body,
    signal: request.signal,
  })
  return toWebResponse(response, request.method === "HEAD")
}

/** Build the fetch façade once per process: `export default { fetch: toFetchHandler(gateway) }`. */
export const toFetchHandler =
  (gateway: Gateway): FetchHandler =>
  (request) =>
    handleFetch(gateway, request)
