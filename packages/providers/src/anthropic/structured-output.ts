import type { JsonObject } from "@switchyard/core"

/**
 * OpenAI `response_format` on Anthropic, which has no JSON mode: a forced tool whose input schema is the
 * requested schema (`json_object`: any object). The request gets the tool and `tool_choice: {type: "tool"}`;
 * the answer's `tool_use` input comes back as the message's JSON `content`, finish `stop`.
 * Not mappable when the request has tools of its own (forcing ours would stop the model from calling
 * theirs): then `response_format` is not sent (see `anthropicUnmapped`).
 *
 *   structuredOutput(body) → { name, description, schema } | undefined     (body: the OpenAI request)
 */
export interface StructuredOutput {
  readonly name: string
  readonly description: string
  readonly schema: JsonObject
}

const DEFAULT_NAME = "json_response"
const isObj = (u: unknown): u is JsonObject => typeof u === "object" && u !== null && !Array.isArray(u)

export const structuredOutput = (body: JsonObject): StructuredOutput | undefined => {
  const format = body.response_format
  if (!isObj(format) || (format.type !== "json_object" && format.type !== "json_schema")) return undefined
  if (Array.isArray(body.tools) && body.tools.length > 0) return undefined
  const spec = isObj(format.json_schema) ? format.json_schema : undefined
  if (format.type === "json_object" || spec === undefined)
    return {
      name: DEFAULT_NAME,
      description: "Answer with a JSON object as this tool's input.",
      schema: { type: "object" },
    }
  const name = typeof spec.name === "string" && /^[a-zA-Z0-9_-]{1,64}$/.test(spec.name) ? spec.name : DEFAULT_NAME
  return {
    name,
    description:
      typeof spec.description === "string" ? spec.description : "Answer with this tool: its input is the answer.",
    schema: isObj(spec.schema) ? spec.schema : { type: "object" },
  }
}
