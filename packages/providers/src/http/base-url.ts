import * as Schema from "effect/Schema"

/** An absolute http(s) URL option (`baseUrl`, `resourceUrl`); trailing slashes are trimmed by `joinUrl`. */
export const HttpUrl = Schema.String.check(
  Schema.isPattern(/^https?:\/\/[^\s/]+/i, { message: "Expected an absolute http(s) URL" }),
)

/** `joinUrl("https://x/v1/", "/chat/completions")` → `https://x/v1/chat/completions`. */
export const joinUrl = (base: string, path: string): string => `${base.replace(/\/+$/, "")}/${path.replace(/^\/+/, "")}`
