/**
 * The Anthropic recordings in ./fixtures (see its README), and how Anthropic puts them on the wire:
 * `event: <type>` + `data: <json>` + blank line per event, no `[DONE]`.
 */
import { readFileSync } from "node:fs"
import { chunkLines, type Interaction, readCassette } from "../support/fixtures.js"

export const anthropicFixture = (name: string): string =>
  readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8")

export const anthropicResponse = (name: string, n = 0): Interaction["response"] => {
  const interaction = readCassette(`../anthropic/fixtures/${name}`)[n]
  if (interaction === undefined) throw new Error(`${name} has no interaction ${n}`)
  return interaction.response
}

export const anthropicChunks = (name: string): ReadonlyArray<string> => chunkLines(anthropicFixture(name))

/** JSON event texts framed as Anthropic SSE (`event:` named after the payload's `type`). */
export const anthropicFrames = (lines: ReadonlyArray<string>): ReadonlyArray<string> =>
  lines.map((l) => `event: ${(JSON.parse(l) as { type: string }).type}\ndata: ${l}\n\n`)

const errorType: Readonly<Record<number, string>> = {
  400: "invalid_request_error",
  401: "authentication_error",
  402: "billing_error",
  403: "permission_error",
  404: "not_found_error",
  413: "request_too_large",
  429: "rate_limit_error",
  500: "api_error",
  504: "timeout_error",
  529: "overloaded_error",
}

/** An error body in Anthropic's envelope (derived: no recorded 429/5xx exists). */
export const anthropicErrorBody = (status: number, message: string): string =>
  JSON.stringify({
    type: "error",
    error: { type: errorType[status] ?? "api_error", message },
    request_id: "req_011CderivedErrorBody",
  })
