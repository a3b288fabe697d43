import { BadRequest, ChatRequest, issueLines } from "@switchyard/core"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"

const decode = Schema.decodeUnknownResult(ChatRequest)

/**
 * Decode the OpenAI chat body a translating plugin must rewrite (messages, tools, parameters).
 * Built once per process; unknown fields are ignored (they have no equivalent upstream).
 * A body that does not match fails with `BadRequest` naming the first offending parameter.
 */
export const decodeChatBody = (body: unknown, provider: string): Result.Result<ChatRequest, BadRequest> => {
  const decoded = decode(body, { errors: "all" })
  if (Result.isSuccess(decoded)) return Result.succeed(decoded.success)
  const lines = issueLines(decoded.failure)
  const first = lines[0]
  const text = lines.map((l) => (l.path ? `${l.path}: ${l.message}` : l.message)).join("; ")
  return Result.fail(
    new BadRequest({
      provider,
      status: 0,
      message: `Request cannot be translated: ${text}`,
      ...(first && first.path !== "" ? { param: first.path } : {}),
      code: "invalid_parameter",
    }),
  )
}
