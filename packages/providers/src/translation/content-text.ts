import type { ContentPart } from "@switchyard/core"

/** The text of an OpenAI content value (non-text parts skipped): system prompts, tool results. */
export const contentText = (content: string | ReadonlyArray<ContentPart> | null | undefined): string => {
  if (content === null || content === undefined) return ""
  if (typeof content === "string") return content
  return content.map((p) => (p.type === "text" ? p.text : "")).join("")
}

/** An OpenAI tool-call `arguments` string as the object providers want; `""` counts as `{}`. */
export const parseArguments = (text: string): Record<string, unknown> | undefined => {
  if (text.trim() === "") return {}
  try {
    const value: unknown = JSON.parse(text)
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined
  } catch {
    return undefined
  }
}
