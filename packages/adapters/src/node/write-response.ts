import type { ServerResponse } from "node:http"
import { SseBody } from "../handler/sse.js"
import { type GatewayResponse, isStreamBody, type StreamBody } from "../handler/types.js"

/** Node accepts headers as one flat `[name, value, name, value…]` array: no per-header `setHeader` calls. */
const flatHeaders = (headers: Readonly<Record<string, string>>, contentLength: number | undefined): Array<string> => {
  const out: Array<string> = []
  for (const name in headers) out.push(name, headers[name]!)
  if (contentLength !== undefined) out.push("content-length", String(contentLength))
  return out
}

/** Wait until the socket can take more, or the client has gone (`false`). */
const drained = (res: ServerResponse): Promise<boolean> =>
  new Promise((resolve) => {
    const onDrain = () => {
      res.off("close", onClose)
      resolve(true)
    }
    const onClose = () => {
      res.off("drain", onDrain)
      resolve(false)
    }
    res.once("drain", onDrain)
    res.once("close", onClose)
  })

/** Write a streamed body chunk by chunk, waiting for `drain` when the socket is full. */
const pump = async (res: ServerResponse, body: StreamBody): Promise<void> => {
  const it = body[Symbol.asyncIterator]()
  try {
    for (;;) {
      if (res.destroyed) break
      const step = await it.next()
      if (step.done) {
        if (!res.destroyed) res.end()
        return
      }
      if (!res.write(step.value) && !(await drained(res))) break
    }
  } catch {
    res.destroy()
  }
  await it.return?.()
}

/**
 * An SSE body written from its `read` callback: no Promise or async frame per chunk, so an open
 * stream that waits on its upstream holds only the callback. Same contract as `pump`.
 */
const pumpSse = (res: ServerResponse, body: SseBody): void => {
  const stop = (): void => {
    void body.return()
  }
  const onText = (text: string | undefined): void => {
    if (res.destroyed) {
      stop()
      return
    }
    if (text === undefined) {
      res.end()
      return
    }
    let more: boolean
    try {
      more = res.write(text)
    } catch {
      res.destroy()
      stop()
      return
    }
    if (more) step()
    else
      void drained(res).then((open) => {
        if (open) step()
        else stop()
      })
  }
  const step = (): void => {
    if (res.destroyed) stop()
    else body.read(onText)
  }
  step()
}

/** Send a gateway response on a Node `ServerResponse` (HEAD: headers only). */
export const writeResponse = (res: ServerResponse, response: GatewayResponse, head: boolean): void => {
  const body = response.body
  if (isStreamBody(body)) {
    if (res.destroyed) {
      void body[Symbol.asyncIterator]().return?.()
      return
    }
    res.writeHead(response.status, flatHeaders(response.headers, undefined))
    if (head) {
      res.end()
      void body[Symbol.asyncIterator]().return?.()
      return
    }
    res.flushHeaders()
    if (body instanceof SseBody) pumpSse(res, body)
    else void pump(res, body)
    return
  }
  if (res.destroyed) return
  const length = typeof body === "string" ? Buffer.byteLength(body) : body.byteLength
  res.writeHead(response.status, flatHeaders(response.headers, length))
  if (head) res.end()
  else res.end(body)
}
