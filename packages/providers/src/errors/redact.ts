/**
 * Secret redaction for every message that leaves a plugin (errors, logs, traces).
 *
 *   const redact = makeRedactor([apiKey])   // Redacted<string> or plain strings
 *   redact("bad key sk-abc…") → "bad key [REDACTED]…"
 *   redactError(error, redact)              // the same error with every string field redacted
 *
 * The masking itself is core's `makeRedactor` (configured values, then common key shapes: bearer tokens,
 * `sk-…` keys, Google keys and tokens, JWTs, `api_key=…`, masked keys that keep their last characters).
 */
import { makeRedactor as makeTextRedactor, type ProviderError, type Redactor, redactDeep } from "@switchyard/core"
import * as Redacted from "effect/Redacted"

export { type Redactor, redactedPrefix, redactGeneric } from "@switchyard/core"

export const makeRedactor = (secrets: ReadonlyArray<Redacted.Redacted<string> | string>): Redactor =>
  makeTextRedactor(secrets.map((s) => (typeof s === "string" ? s : Redacted.value(s))))

/** Fields that are Switchyard's own, never upstream text. */
const OWN_FIELDS: ReadonlySet<string> = new Set(["_tag", "provider", "status"])

/**
 * `error` with every string field an upstream could have filled (message, param, code, and whatever
 * else a classifier relays) redacted; the same instance when nothing changed.
 */
export const redactError = <E extends ProviderError>(error: E, redact: Redactor): E => {
  const fields: Record<string, unknown> = { ...error, message: error.message }
  let changed: Record<string, unknown> | undefined
  for (const [name, value] of Object.entries(fields)) {
    if (OWN_FIELDS.has(name)) continue
    const redacted = redactDeep(value, redact)
    if (redacted !== value) {
      changed ??= {}
      changed[name] = redacted
    }
  }
  if (changed === undefined) return error
  const Class = error.constructor as new (fields: Record<string, unknown>) => E
  const { _tag, ...rest } = fields
  return new Class({ ...rest, ...changed })
}
