/**
 * The wire format of "Acme Text", an imaginary provider with its own (non-OpenAI) API:
 *
 *   POST {baseUrl}/v2/generate        header x-acme-key: <key>
 *   { "model", "turns": [{ "speaker": "system"|"human"|"bot", "text" }], "max_new_tokens"?, "temperature"? }
 *   → 200 { "id", "output": { "text" }, "stop": "eos"|"length", "tokens": { "input", "output" } }
 *   → 429 with retry-after (seconds) when over quota; errors as { "problem": { "kind", "detail" } }
 *
 * Acme cannot stream: the plugin turns a completion into OpenAI chunks itself.
 */
import * as Schema from "effect/Schema"

export const AcmeResponse = Schema.Struct({
  id: Schema.String,
  output: Schema.Struct({ text: Schema.String }),
  stop: Schema.Literals(["eos", "length"]),
  tokens: Schema.Struct({ input: Schema.Int, output: Schema.Int }),
})
export type AcmeResponse = typeof AcmeResponse.Type

export interface AcmeTurn {
  readonly speaker: "system" | "human" | "bot"
  readonly text: string
}

const speakerOf = (role: unknown): AcmeTurn["speaker"] =>
  role === "assistant" ? "bot" : role === "system" || role === "developer" ? "system" : "human"

const textOf = (content: unknown): string =>
  typeof content === "string"
    ? content
    : Array.isArray(content)
      ? content.map((p) => (p && typeof p === "object" && "text" in p ? String(p.text) : "")).join("")
      : ""

/** OpenAI chat body → Acme request body. */
export const toAcmeRequest = (body: Record<string, unknown>, model: string) => {
  const messages = Array.isArray(body.messages) ? (body.messages as ReadonlyArray<Record<string, unknown>>) : []
  const maxTokens = body.max_completion_tokens ?? body.max_tokens
  return {
    model,
    turns: messages.map((m): AcmeTurn => ({ speaker: speakerOf(m.role), text: textOf(m.content) })),
    ...(typeof maxTokens === "number" ? { max_new_tokens: maxTokens } : {}),
    ...(typeof body.temperature === "number" ? { temperature: body.temperature } : {}),
  }
}

/** Acme response → OpenAI `chat.completion`. */
export const toOpenAiCompletion = (res: AcmeResponse, model: string) => ({
  id: `acme-${res.id}`,
  object: "chat.completion",
  created: 0,
  model,
  choices: [
    {
      index: 0,
      message: { role: "assistant", content: res.output.text },
      finish_reason: res.stop === "eos" ? "stop" : "length",
    },
  ],
  usage: {
    prompt_tokens: res.tokens.input,
    completion_tokens: res.tokens.output,
    total_tokens: res.tokens.input + res.tokens.output,
  },
})
