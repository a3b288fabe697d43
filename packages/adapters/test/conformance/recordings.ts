/**
 * The recorded provider responses the provider plugins' tests replay (`packages/providers/test/**\/fixtures`,
 * provenance in the READMEs there), read here by path (data only, no code shared), and how each provider
 * frames a stream on the wire.
 */
import { readFileSync } from "node:fs"

const providersTest = new URL("../../../providers/test/", import.meta.url)

/** A recording by its path under `packages/providers/test/`, e.g. `fixtures/openai/openai-chat-text.json`. */
export const recording = (path: string): string => readFileSync(new URL(path, providersTest), "utf8")

/** One JSON text per SSE data event (`.chunks.txt`). */
export const lines = (text: string): ReadonlyArray<string> => text.split(/\r?\n/).filter((l) => l.trim() !== "")

/** OpenAI-style hosts: `data: <json>` + blank line, then `data: [DONE]`. */
export const openAiFrames = (ls: ReadonlyArray<string>, done = true): ReadonlyArray<string> => [
  ...ls.map((l) => `data: ${l}\n\n`),
  ...(done ? ["data: [DONE]\n\n"] : []),
]

/** Raw SSE as recorded (`.sse`): one frame per blank-line-separated block. */
export const sseFrames = (text: string): ReadonlyArray<string> =>
  text
    .split(/\r?\n\r?\n/)
    .filter((f) => f.trim() !== "")
    .map((f) => `${f}\n\n`)

/** Anthropic: `event: <type>` + `data: <json>`, no `[DONE]`. */
export const anthropicFrames = (ls: ReadonlyArray<string>): ReadonlyArray<string> =>
  ls.map((l) => `event: ${(JSON.parse(l) as { type: string }).type}\ndata: ${l}\n\n`)

/** Gemini / Vertex: `data: <json>` + CRLF CRLF, no `[DONE]`. */
export const geminiFrames = (ls: ReadonlyArray<string>): ReadonlyArray<string> => ls.map((l) => `data: ${l}\r\n\r\n`)

type Json = Record<string, unknown>
const arr = (u: unknown): ReadonlyArray<Json> => (Array.isArray(u) ? (u as Array<Json>) : [])

/** The text a recorded OpenAI-style stream carries (its `delta.content`s). */
export const openAiText = (ls: ReadonlyArray<string>): string =>
  ls
    .flatMap((l) => arr((JSON.parse(l) as Json).choices))
    .map((c) => (c.delta as Json | undefined)?.content)
    .filter((t): t is string => typeof t === "string")
    .join("")

/** The text a recorded Anthropic stream carries (its `text_delta`s). */
export const anthropicText = (ls: ReadonlyArray<string>): string =>
  ls
    .map((l) => JSON.parse(l) as Json)
    .map((e) => (e.type === "content_block_delta" ? (e.delta as Json).text : undefined))
    .filter((t): t is string => typeof t === "string")
    .join("")

/** The answer text a recorded Gemini stream carries (non-thought text parts). */
export const geminiText = (ls: ReadonlyArray<string>): string =>
  ls
    .flatMap((l) => arr((JSON.parse(l) as Json).candidates))
    .flatMap((c) => arr((c.content as Json | undefined)?.parts))
    .filter((p) => typeof p.text === "string" && p.thought !== true)
    .map((p) => p.text as string)
    .join("")

/** The `data:` payloads of a raw SSE text. */
export const ssePayloads = (text: string): ReadonlyArray<string> =>
  sseFrames(text).flatMap((f) =>
    f
      .split(/\r?\n/)
      .filter((l) => l.startsWith("data:"))
      .map((l) => l.slice(5).trim()),
  )
