/** Reading the gateway as a client does: raw SSE over fetch, and the official `openai` SDK. */
import type OpenAI from "openai"

export type Json = Record<string, unknown>

export interface RawStream {
  readonly status: number
  readonly headers: Headers
  readonly chunks: ReadonlyArray<Json>
  /** The JSON error body when the answer was not a stream. */
  readonly error: Json | undefined
}

/** POST a streamed chat request and read every `data:` chunk (until `[DONE]`). */
export const rawStream = async (url: string, key: string, body: Json): Promise<RawStream> => {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ ...body, stream: true }),
  })
  const text = await res.text()
  if (!(res.headers.get("content-type") ?? "").includes("text/event-stream"))
    return { status: res.status, headers: res.headers, chunks: [], error: JSON.parse(text) as Json }
  const chunks: Array<Json> = []
  for (const frame of text.split("\n\n")) {
    const data = frame.startsWith("data: ") ? frame.slice(6) : undefined
    if (data === undefined || data === "[DONE]") continue
    chunks.push(JSON.parse(data) as Json)
  }
  return { status: res.status, headers: res.headers, chunks, error: undefined }
}

/** POST a non-streamed chat request. */
export const rawJson = async (url: string, key: string, body: Json, headers: Record<string, string> = {}) => {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  })
  return { status: res.status, headers: res.headers, json: (await res.json()) as Json }
}

/** The official SDK's stream helper, as a new user reads a stream: `.stream().finalChatCompletion()`. */
export const sdkFinal = (client: OpenAI, body: Json) =>
  client.chat.completions
    .stream(body as unknown as Parameters<OpenAI["chat"]["completions"]["stream"]>[0])
    .finalChatCompletion()

const arr = (u: unknown): ReadonlyArray<Json> => (Array.isArray(u) ? (u as Array<Json>) : [])

/** Tool calls accumulated from raw chunks by index (what a hand-written client does). */
export const rawToolCalls = (chunks: ReadonlyArray<Json>) => {
  const calls: Array<{ name: string; args: string }> = []
  for (const c of chunks)
    for (const choice of arr(c.choices))
      for (const tc of arr((choice.delta as Json | undefined)?.tool_calls)) {
        const i = tc.index as number
        const fn = (tc.function ?? {}) as Json
        calls[i] ??= { name: "", args: "" }
        if (typeof fn.name === "string" && fn.name !== "") calls[i].name = fn.name
        if (typeof fn.arguments === "string") calls[i].args += fn.arguments
      }
  return calls.map((c) => ({ name: c.name, arguments: c.args === "" ? {} : JSON.parse(c.args) }))
}

/** How many argument fragments each tool call arrived in. */
export const argumentDeltas = (chunks: ReadonlyArray<Json>): number =>
  chunks
    .flatMap((c) => arr(c.choices))
    .flatMap((choice) => arr((choice.delta as Json | undefined)?.tool_calls))
    .filter(
      (tc) =>
        typeof (tc.function as Json | undefined)?.arguments === "string" && (tc.function as Json).arguments !== "",
    ).length

export const rawText = (chunks: ReadonlyArray<Json>): string =>
  chunks
    .flatMap((c) => arr(c.choices))
    .map((choice) => (choice.delta as Json | undefined)?.content)
    .filter((t): t is string => typeof t === "string")
    .join("")
