import type { Gateway, GatewayResponse } from "../../src/index.js"
import { isStreamBody } from "../../src/index.js"

const decoder = new TextDecoder()

export interface Answer {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly text: string
  // biome-ignore lint/suspicious/noExplicitAny: test JSON access
  readonly json: any
}

export const readBody = async (response: GatewayResponse): Promise<string> => {
  const body = response.body
  if (typeof body === "string") return body
  if (!isStreamBody(body)) return decoder.decode(body)
  let out = ""
  for await (const chunk of body) out += decoder.decode(chunk)
  return out
}

/** Call the transport-neutral handler directly. */
export const call = async (
  gateway: Gateway,
  init: {
    method?: string
    path: string
    headers?: Record<string, string>
    body?: unknown
    raw?: string | Uint8Array
    signal?: AbortSignal
  },
): Promise<Answer> => {
  const raw = init.raw ?? (init.body === undefined ? "" : JSON.stringify(init.body))
  const response = await gateway.handle({
    method: init.method ?? (raw === "" ? "GET" : "POST"),
    path: init.path,
    headers: init.headers ?? {},
    body: typeof raw === "string" ? new TextEncoder().encode(raw) : raw,
    signal: init.signal,
  })
  const text = await readBody(response)
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    json = undefined
  }
  return { status: response.status, headers: response.headers, text, json }
}

/** The `data:` payloads of an SSE body, in order. */
export const sseEvents = (text: string): Array<string> =>
  text
    .split("\n\n")
    .filter((frame) => frame.startsWith("data: "))
    .map((frame) => frame.slice(6))

/** The OpenAI error envelope: all four fields present, `param` a string or null. */
export const isErrorEnvelope = (json: unknown): boolean => {
  if (typeof json !== "object" || json === null) return false
  const error = (json as { error?: unknown }).error
  if (typeof error !== "object" || error === null) return false
  const e = error as Record<string, unknown>
  return (
    typeof e.message === "string" &&
    typeof e.type === "string" &&
    (e.param === null || typeof e.param === "string") &&
    (e.code === null || typeof e.code === "string")
  )
}
