import type { JsonObject } from "@switchyard/core"

/** Parameters both translations (Anthropic, Gemini) send: sampling, length, stop, tools, response format. */
export const TRANSLATED: ReadonlyArray<string> = [
  "temperature",
  "top_p",
  "top_k",
  "max_tokens",
  "max_completion_tokens",
  "stop",
  "tools",
  "tool_choice",
  "response_format",
  "n",
  "logprobs",
]

/**
 * `ProviderClient.unmappedParameters` for a translating plugin: the request's parameters outside `mapped`,
 * and those whose value it cannot send (`logprobs: true` always; `unsendable` for the plugin's own cases).
 */
export const unmappedBy =
  (mapped: ReadonlySet<string>, unsendable: (parameter: string, body: JsonObject) => boolean) =>
  (parameters: ReadonlyArray<string>, body: JsonObject): ReadonlyArray<string> =>
    parameters.filter((p) => !mapped.has(p) || (p === "logprobs" && body.logprobs === true) || unsendable(p, body))
