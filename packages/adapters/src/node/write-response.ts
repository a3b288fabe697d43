import type { ServerResponse } from "node:http"
import { SseBody } from "../handler/sse.js"
import { type GatewayResponse, isStreamBody, type StreamBody } from "../handler/types.js"
import type { InFlight } from "./in-flight.js"

/** Node accepts headers as one flat `[name, value, name, value…]` array: no per-header `setHeader` calls. */
const flatHeaders = (headers: Readonly<Record<string, string>>, contentLength: number | undefined): Array<string> => {
  const out: Array<string> = []
  for (const name in headers) out.push(name, headers[name]!)
  if (contentLength !== undefined) out.push("content-length", String(contentLength))
  return out
}

/**
 * Wait until the socket can take more (`true`), or the client has gone (`false`). With a deadline, a
 * client that has not taken the bytes by then is cut (`false`, the response destroyed): the request
 * deadline covers the whole response, a client that stops reading included.
 */
const drained = (res: ServerResponse, deadlineAt: number | undefined): Promise<boolean> =>
  new Promise((resolve) => {
    let timer: ReturnType<typeof setTimeout> | undefined
    const onDrain = () => {
      res.off("close", onClose)
      clearTimeout(timer)
      resolve(true)
    }
    const onClose = () => {
      res.off("drain", onDrain)
      clearTimeout(timer)
      resolve(false)
    }
    res.once("drain", onDrain)
    res.once("close", onClose)
    if (deadlineAt !== undefined)
      timer = setTimeout(() => {
        res.off("drain", onDrain)
        res.off("close", onClose)
        res.destroy()
        resolve(false)
      }, deadlineAt - Date.now()).unref()
  })

/**
 * After `res.end()`: bytes still queued for a client that does not read are cut at the deadline; a
 * response that ended at or past its deadline (the router cut a stream there) closes its connection
 * once the last bytes are handed over, so a stalled client does not keep it open.
 */
const cutUnsentAt = (res: ServerResponse, deadlineAt: number | undefined): void => {
  if (deadlineAt === undefined) return
  const left = deadlineAt - Date.now()
  if (left <= 0) {
    const close = (): void => {
      res.socket?.destroy()
    }
    if (res.writableFinished) close()
    else res.once("finish", close)
    return
  }
  if (res.writableLength === 0) return
  const timer = setTimeout(() => {
    if (!res.writableFinished) res.destroy()
  }, left).unref()
  res.once("close", () => clearTimeout(timer))
  res.once("finish", () => clearTimeout(timer))
}

/** Write a streamed body chunk by chunk, waiting for `drain` when the socket is full. */
const pump = async (
  res: ServerResponse,
  body: StreamBody,
  deadlineAt: number | undefined,
  inFlight: InFlight | undefined,
): Promise<void> => {
  const it = body[Symbol.asyncIterator]()
  let stopped = false
  inFlight?.track(res, () => {
    stopped = true
    void it.return?.()
    res.end()
  })
  try {
    for (;;) {
      if (res.destroyed || stopped) break
      const step = await it.next()
      if (stopped) return
      if (step.done) {
        if (!res.destroyed) {
          res.end()
          cutUnsentAt(res, deadlineAt)
        }
        return
      }
      if (!res.write(step.value) && !(await drained(res, deadlineAt))) break
    }
  } catch {
    res.destroy()
  }
  await it.return?.()
}

/**
 * An SSE body written from its `read` callback: no Promise or async frame per chunk, so an open
 * stream that waits on its upstream holds only the callback. Same contract as `pump`; at the end of a
 * shutdown grace it ends in-band (`SseBody.shutdown`: an error chunk, then `[DONE]`).
 *
 * Writes per stream: the headers go out with the first text when it is there at once (one write), else on their own
 * at once (a client learns the stream was accepted before its first token); the last text goes out with the end of
 * the response (`res.end(text)`: one write, not two).
 */
const pumpSse = (
  res: ServerResponse,
  body: SseBody,
  deadlineAt: number | undefined,
  inFlight: InFlight | undefined,
): void => {
  let stopped = false
  const stop = (): void => {
    void body.return()
  }
  inFlight?.track(res, () => {
    stopped = true
    // the stream's trace (for its last chunk) is ready as soon as the interrupted stream has settled
    void body.shutdown().then((last) => {
      if (!res.destroyed) res.end(last)
    })
  })
  let wrote = false
  const onText = (text: string | undefined, last?: boolean): void => {
    if (stopped) return
    if (res.destroyed) {
      stop()
      return
    }
    wrote = true
    if (text === undefined || last === true) {
      res.end(text)
      cutUnsentAt(res, deadlineAt)
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
      void drained(res, deadlineAt).then((open) => {
        if (open) step()
        else stop()
      })
  }
  const step = (): void => {
    if (stopped) return
    if (res.destroyed) stop()
    else body.read(onText)
  }
  step()
  if (!wrote && !res.destroyed) res.flushHeaders()
}

/**
 * Send a gateway response on a Node `ServerResponse` (HEAD: headers only). A response whose client has
 * not taken it by `response.deadlineAt` is cut there. With `inFlight`, an open stream registers how it
 * ends when a shutdown grace runs out.
 */
export const writeResponse = (
  res: ServerResponse,
  response: GatewayResponse,
  head: boolean,
  inFlight?: InFlight,
): void => {
  const body = response.body
  if (isStreamBody(body)) {
    if (res.destroyed || res.headersSent) {
      void body[Symbol.asyncIterator]().return?.()
      return
    }
    res.writeHead(response.status, flatHeaders(response.headers, undefined))
    if (head) {
      res.end()
      void body[Symbol.asyncIterator]().return?.()
      return
    }
    if (body instanceof SseBody) pumpSse(res, body, response.deadlineAt, inFlight)
    else {
      res.flushHeaders()
      void pump(res, body, response.deadlineAt, inFlight)
    }
    return
  }
  if (res.destroyed || res.headersSent) return
  const length = typeof body === "string" ? Buffer.byteLength(body) : body.byteLength
  res.writeHead(response.status, flatHeaders(response.headers, length))
  if (head) res.end()
  else {
    res.end(body)
    cutUnsentAt(res, response.deadlineAt)
  }
}
