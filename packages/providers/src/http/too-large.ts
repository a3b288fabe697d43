/**
 * The bound on what is held of one upstream answer: a body read whole (a completion, an error body, JSON that
 * answered a stream) or the text of one SSE event still waiting for its end. An upstream past it fails the attempt
 * (`ResponseTooLargeError` → the transport's `MalformedResponse`, retried elsewhere) instead of growing the
 * gateway's memory until the process fails (a body past ≈ 512 MiB cannot even become a string).
 */
export const MAX_RESPONSE_BYTES = 32 * 1024 * 1024

export class ResponseTooLargeError extends Error {
  constructor(what: string) {
    super(`${what} is larger than ${MAX_RESPONSE_BYTES / (1024 * 1024)} MiB`)
    this.name = "ResponseTooLargeError"
  }
}
