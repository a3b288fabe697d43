/**
 * The Google recordings in ./fixtures (see its README), and how Gemini / Vertex put them on the wire:
 * each event is `data: <json>` followed by CRLF CRLF, no `[DONE]`.
 */
import { readFileSync } from "node:fs"
import { chunkLines, type Interaction, readCassette } from "../support/fixtures.js"

export const googleFixture = (name: string): string =>
  readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8")

export const googleCassette = (name: string): ReadonlyArray<Interaction> => readCassette(`../google/fixtures/${name}`)

/** The response of the n-th interaction of a cassette. */
export const cassetteResponse = (name: string, n = 0): Interaction["response"] => {
  const interaction = googleCassette(name)[n]
  if (interaction === undefined) throw new Error(`${name} has no interaction ${n}`)
  return interaction.response
}

/** `.chunks.txt` lines (or any JSON texts) framed as Gemini SSE events. */
export const geminiFrames = (lines: ReadonlyArray<string>): ReadonlyArray<string> =>
  lines.map((l) => `data: ${l}\r\n\r\n`)

export const googleChunks = (name: string): ReadonlyArray<string> => chunkLines(googleFixture(name))

const rpcStatus: Readonly<Record<number, string>> = {
  400: "INVALID_ARGUMENT",
  401: "UNAUTHENTICATED",
  403: "PERMISSION_DENIED",
  404: "NOT_FOUND",
  429: "RESOURCE_EXHAUSTED",
  500: "INTERNAL",
  503: "UNAVAILABLE",
  504: "DEADLINE_EXCEEDED",
}

/** An error body in Google's envelope (derived: used where no recording exists). */
export const googleErrorBody = (status: number, message: string): string =>
  JSON.stringify({ error: { code: status, message, status: rpcStatus[status] ?? "UNKNOWN" } })
