/**
 * API keys in provider options: `"literal"` or `{ "env": "NAME" }`, held as effect `Redacted`.
 *
 *   SecretInput                                   Schema for the option field
 *   resolveSecret(input, env, path) → Effect<Redacted<string>, ConfigInvalid>
 *
 * A missing env variable fails with ConfigInvalid naming the variable (never its value).
 */
import { ConfigInvalid } from "@switchyard/core"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"

export const SecretInput = Schema.Union([Schema.NonEmptyString, Schema.Struct({ env: Schema.NonEmptyString })])
export type SecretInput = typeof SecretInput.Type

export const resolveSecret = (
  input: SecretInput,
  env: Readonly<Record<string, string | undefined>>,
  path: string,
): Effect.Effect<Redacted.Redacted<string>, ConfigInvalid> => {
  if (typeof input === "string") return Effect.succeed(Redacted.make(input, { label: path }))
  const value = env[input.env]
  if (value === undefined || value === "")
    return Effect.fail(
      new ConfigInvalid({
        message: `Invalid provider options: ${path}: environment variable ${input.env} is not set`,
        path,
        issues: [`${path}: environment variable ${input.env} is not set`],
      }),
    )
  return Effect.succeed(Redacted.make(value, { label: input.env }))
}
