import * as Schema from "effect/Schema"
import { nullableKey } from "./nullable-key.js"
import { ProviderPreferences } from "./provider-preferences.js"

const Json = Schema.Unknown
const NonNegativeInt = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))

/**
 * A prompt-cache breakpoint on a content part, a message or a tool, as OpenRouter accepts it in OpenAI
 * requests and Anthropic defines it (`ttl` 5 minutes by default, or 1 hour). Translating plugins pass it
 * on (Anthropic `cache_control` blocks); pass-through plugins send the body as it is.
 */
export const CacheControl = Schema.Struct({
  type: Schema.Literal("ephemeral"),
  ttl: Schema.optionalKey(Schema.Literals(["5m", "1h"])),
})
export type CacheControl = typeof CacheControl.Type

const cacheControl = Schema.optionalKey(CacheControl)

export const TextPart = Schema.Struct({
  type: Schema.Literal("text"),
  text: Schema.String,
  cache_control: cacheControl,
})
export const ImagePart = Schema.Struct({
  type: Schema.Literal("image_url"),
  image_url: Schema.Struct({
    url: Schema.String,
    detail: Schema.optionalKey(Schema.Literals(["auto", "low", "high"])),
  }),
  cache_control: cacheControl,
})
export const AudioPart = Schema.Struct({
  type: Schema.Literal("input_audio"),
  input_audio: Schema.Struct({ data: Schema.String, format: Schema.String }),
  cache_control: cacheControl,
})
export const FilePart = Schema.Struct({
  type: Schema.Literal("file"),
  file: Schema.Struct({
    file_data: Schema.optionalKey(Schema.String),
    file_id: Schema.optionalKey(Schema.String),
    filename: Schema.optionalKey(Schema.String),
  }),
  cache_control: cacheControl,
})
export const ContentPart = Schema.Union([TextPart, ImagePart, AudioPart, FilePart])
export type ContentPart = typeof ContentPart.Type

const Content = Schema.Union([Schema.String, Schema.Array(ContentPart)])

export const ToolCall = Schema.Struct({
  id: Schema.String,
  type: Schema.optionalKey(Schema.Literal("function")),
  function: Schema.Struct({ name: Schema.String, arguments: Schema.String }),
})
export type ToolCall = typeof ToolCall.Type

export const SystemMessage = Schema.Struct({
  role: Schema.Literals(["system", "developer"]),
  content: Content,
  name: Schema.optionalKey(Schema.String),
  /** A breakpoint on the message: on its last content block. */
  cache_control: cacheControl,
})
export const UserMessage = Schema.Struct({
  role: Schema.Literal("user"),
  content: Content,
  name: Schema.optionalKey(Schema.String),
  /** A breakpoint on the message: on its last content block. */
  cache_control: cacheControl,
})
export const AssistantMessage = Schema.Struct({
  role: Schema.Literal("assistant"),
  content: Schema.optionalKey(Schema.NullOr(Content)),
  name: Schema.optionalKey(Schema.String),
  tool_calls: Schema.optionalKey(Schema.Array(ToolCall)),
  refusal: Schema.optionalKey(Schema.NullOr(Schema.String)),
  reasoning_content: Schema.optionalKey(Schema.NullOr(Schema.String)),
  /** A breakpoint on the message: on its last content block. */
  cache_control: cacheControl,
})
export const ToolMessage = Schema.Struct({
  role: Schema.Literal("tool"),
  content: Content,
  tool_call_id: Schema.String,
  /** A breakpoint on the message: on its last content block. */
  cache_control: cacheControl,
})
export const ChatMessage = Schema.Union([SystemMessage, UserMessage, AssistantMessage, ToolMessage])
export type ChatMessage = typeof ChatMessage.Type

export const FunctionTool = Schema.Struct({
  type: Schema.Literal("function"),
  function: Schema.Struct({
    name: Schema.String,
    description: Schema.optionalKey(Schema.String),
    parameters: Schema.optionalKey(Json),
    strict: Schema.optionalKey(Schema.NullOr(Schema.Boolean)),
  }),
  cache_control: cacheControl,
})
export type FunctionTool = typeof FunctionTool.Type

export const ToolChoice = Schema.Union([
  Schema.Literals(["none", "auto", "required"]),
  Schema.Struct({ type: Schema.Literal("function"), function: Schema.Struct({ name: Schema.String }) }),
])
export type ToolChoice = typeof ToolChoice.Type

export const ResponseFormat = Schema.Union([
  Schema.Struct({ type: Schema.Literal("text") }),
  Schema.Struct({ type: Schema.Literal("json_object") }),
  Schema.Struct({
    type: Schema.Literal("json_schema"),
    json_schema: Schema.Struct({
      name: Schema.String,
      description: Schema.optionalKey(Schema.String),
      schema: Schema.optionalKey(Json),
      strict: Schema.optionalKey(Schema.NullOr(Schema.Boolean)),
    }),
  }),
])
export type ResponseFormat = typeof ResponseFormat.Type

export const StreamOptions = Schema.Struct({ include_usage: Schema.optionalKey(Schema.Boolean) })

/**
 * The OpenAI chat-completions request body plus routing extensions (`models`, `provider`).
 * Decoding validates the known fields; unknown top-level fields are not rejected — callers keep
 * the raw JSON object and pass it through (see `RoutingRequest` for the hot-path subset).
 */
export const ChatRequest = Schema.Struct({
  model: Schema.optionalKey(Schema.String),
  models: Schema.optionalKey(Schema.Array(Schema.String)),
  messages: Schema.Array(ChatMessage).check(Schema.isMinLength(1)),
  tools: Schema.optionalKey(Schema.Array(FunctionTool)),
  tool_choice: Schema.optionalKey(ToolChoice),
  parallel_tool_calls: Schema.optionalKey(Schema.Boolean),
  response_format: Schema.optionalKey(ResponseFormat),
  temperature: Schema.optionalKey(Schema.NullOr(Schema.Finite.check(Schema.isBetween({ minimum: 0, maximum: 2 })))),
  top_p: Schema.optionalKey(Schema.NullOr(Schema.Finite.check(Schema.isBetween({ minimum: 0, maximum: 1 })))),
  max_tokens: Schema.optionalKey(Schema.NullOr(NonNegativeInt)),
  max_completion_tokens: Schema.optionalKey(Schema.NullOr(NonNegativeInt)),
  stop: Schema.optionalKey(Schema.NullOr(Schema.Union([Schema.String, Schema.Array(Schema.String)]))),
  seed: Schema.optionalKey(Schema.NullOr(Schema.Int)),
  n: Schema.optionalKey(Schema.NullOr(Schema.Int.check(Schema.isGreaterThanOrEqualTo(1)))),
  presence_penalty: Schema.optionalKey(Schema.NullOr(Schema.Finite)),
  frequency_penalty: Schema.optionalKey(Schema.NullOr(Schema.Finite)),
  logprobs: Schema.optionalKey(Schema.NullOr(Schema.Boolean)),
  top_logprobs: Schema.optionalKey(Schema.NullOr(Schema.Int)),
  stream: Schema.optionalKey(Schema.NullOr(Schema.Boolean)),
  stream_options: Schema.optionalKey(Schema.NullOr(StreamOptions)),
  user: Schema.optionalKey(Schema.String),
  reasoning_effort: Schema.optionalKey(Schema.String),
  /** `null` is the same as no `provider` object (SDKs send unset fields as null). */
  provider: nullableKey(ProviderPreferences),
})
export type ChatRequest = typeof ChatRequest.Type
