import { type InvalidRequest, type JsonObject, RoutingRequest, requestDecoderSync } from "@switchyard/core"

export type RoutingDecode =
  | { readonly ok: true; readonly value: RoutingRequest }
  | { readonly ok: false; readonly error: InvalidRequest }

const schemaDecode = requestDecoderSync(RoutingRequest)

const ROLES: ReadonlySet<unknown> = new Set(["system", "developer", "user", "assistant", "tool"])

const isPlainObject = (u: unknown): u is JsonObject => typeof u === "object" && u !== null && !Array.isArray(u)

const isCount = (u: unknown): boolean => u === null || (Number.isSafeInteger(u) && (u as number) >= 0)

/**
 * The routing fields of a request in the shape most clients send (no `provider` object, well-typed
 * scalars, messages with known roles), read without a Schema pass; undefined when the body has
 * anything else, which then goes through the Schema decoder (the one source of truth, and of the
 * error messages). It accepts only bodies the Schema accepts and reads the same values.
 */
const fastPath = (body: JsonObject): RoutingRequest | undefined => {
  if (body.provider !== undefined) return undefined
  const model = body.model
  if (model !== undefined && typeof model !== "string") return undefined
  const models = body.models
  if (models !== undefined) {
    if (!Array.isArray(models)) return undefined
    for (const m of models) if (typeof m !== "string" || m === "") return undefined
  }
  const messages = body.messages
  if (!Array.isArray(messages) || messages.length === 0) return undefined
  for (const m of messages) if (!isPlainObject(m) || !ROLES.has(m.role)) return undefined
  const stream = body.stream
  if (stream !== undefined && stream !== null && typeof stream !== "boolean") return undefined
  const maxTokens = body.max_tokens
  if (maxTokens !== undefined && !isCount(maxTokens)) return undefined
  const maxCompletionTokens = body.max_completion_tokens
  if (maxCompletionTokens !== undefined && !isCount(maxCompletionTokens)) return undefined
  const tools = body.tools
  if (tools !== undefined && !Array.isArray(tools)) return undefined
  const sessionId = body.session_id
  if (sessionId !== undefined && typeof sessionId !== "string") return undefined
  const user = body.user
  if (user !== undefined && typeof user !== "string") return undefined
  const out: { -readonly [K in keyof RoutingRequest]: RoutingRequest[K] } = {
    messages: messages as RoutingRequest["messages"],
  }
  if (model !== undefined) out.model = model
  if (models !== undefined) out.models = models as ReadonlyArray<string>
  if (stream !== undefined) out.stream = stream as boolean | null
  if (maxTokens !== undefined) out.max_tokens = maxTokens as number | null
  if (maxCompletionTokens !== undefined) out.max_completion_tokens = maxCompletionTokens as number | null
  if (tools !== undefined) out.tools = tools
  if ("tool_choice" in body) out.tool_choice = body.tool_choice
  if ("response_format" in body) out.response_format = body.response_format
  if (sessionId !== undefined) out.session_id = sessionId
  if (user !== undefined) out.user = user
  return out
}

/** Decode the fields routing needs (hot path: see `fastPath`); the rest of the body passes through. */
export const decodeRoutingFields = (body: JsonObject): RoutingDecode => {
  const fast = fastPath(body)
  return fast === undefined ? schemaDecode(body) : { ok: true, value: fast }
}
