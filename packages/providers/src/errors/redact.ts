/**
 * Secret redaction for every message that leaves a plugin (errors, logs, traces).
 *
 *   const redact = makeRedactor([apiKey])   // Redacted<string> or plain strings
 *   redact("bad key sk-abc…") → "bad key [REDACTED]…"
 *
 * Also masks bearer tokens and `sk-…`-style keys echoed by upstreams even when they are not ours.
 */
import * as Redacted from "effect/Redacted"

export type Redactor = (text: string) => string

const MASK = "[REDACTED]"
const bearer = /(bearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi
const skKey = /\bsk-[A-Za-z0-9_-]{8,}/g

export const makeRedactor = (secrets: ReadonlyArray<Redacted.Redacted<string> | string>): Redactor => {
  const values = secrets
    .map((s) => (typeof s === "string" ? s : Redacted.value(s)))
    .filter((s) => s.length >= 4)
    .sort((a, b) => b.length - a.length)
  return (text) => {
    let out = text
    for (const v of values) if (out.includes(v)) out = out.split(v).join(MASK)
    return out.replace(bearer, `$1${MASK}`).replace(skKey, MASK)
  }
}

/** A redactor that only applies the generic patterns. */
export const redactGeneric: Redactor = makeRedactor([])
