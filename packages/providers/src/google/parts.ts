import { BadRequest, type ContentPart } from "@switchyard/core"
import * as Result from "effect/Result"
import { mimeTypeFromUrl, parseDataUrl } from "../translation/data-url.js"

export type GeminiPart = Record<string, unknown>

const audioMime: Record<string, string> = { wav: "audio/wav", mp3: "audio/mp3" }

/** One OpenAI content part → one Gemini part (text, inlineData for data URLs, fileData for remote URLs). */
const toPart = (part: ContentPart, provider: string): Result.Result<GeminiPart, BadRequest> => {
  switch (part.type) {
    case "text":
      return Result.succeed({ text: part.text })
    case "image_url": {
      const url = part.image_url.url
      const inline = parseDataUrl(url)
      if (inline) return Result.succeed({ inlineData: inline })
      return Result.succeed({ fileData: { mimeType: mimeTypeFromUrl(url, "image/jpeg"), fileUri: url } })
    }
    case "input_audio":
      return Result.succeed({
        inlineData: {
          mimeType: audioMime[part.input_audio.format] ?? `audio/${part.input_audio.format}`,
          data: part.input_audio.data,
        },
      })
    case "file": {
      const inline = part.file.file_data === undefined ? undefined : parseDataUrl(part.file.file_data)
      if (inline) return Result.succeed({ inlineData: inline })
      return Result.fail(
        new BadRequest({
          provider,
          status: 0,
          message: "Only inline (data: URL) files can be sent to Google; file ids are not supported",
          param: "messages.content.file",
        }),
      )
    }
  }
}

/** OpenAI message content (string or parts) → Gemini parts. */
export const toParts = (
  content: string | ReadonlyArray<ContentPart>,
  provider: string,
): Result.Result<Array<GeminiPart>, BadRequest> => {
  if (typeof content === "string") return Result.succeed([{ text: content }])
  const out: Array<GeminiPart> = []
  for (const part of content) {
    const converted = toPart(part, provider)
    if (Result.isFailure(converted)) return Result.fail(converted.failure)
    out.push(converted.success)
  }
  return Result.succeed(out)
}
