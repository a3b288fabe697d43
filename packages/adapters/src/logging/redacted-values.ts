import { type Redactor, redactDeep } from "@switchyard/core"

/**
 * A log line's redaction, applied to each value before it is formatted rather than to the written text: the
 * format's own syntax is then never taken for a credential (the request line's `"key":"batch-jobs"` or
 * `key=batch-jobs` — a key's configured *name* — read as an `api_key=…`-style assignment), and a secret is masked
 * even where JSON escaping would have changed its text.
 */
export interface ValueRedactor {
  /** A string value or message, masked. */
  readonly text: (s: string) => string
  /** Any other value, with every string in it masked (object keys included; see `redactDeep`). */
  readonly value: (v: unknown) => unknown
}

/** Values at most this long are remembered: the request line's names (key, model, endpoint) repeat on every line. */
const MEMO_MAX_LENGTH = 256
/** Remembered values, at most; the memo starts over when full (unique values such as request ids churn it). */
const MEMO_MAX_ENTRIES = 1024

export const valueRedactor = (redact: Redactor | undefined): ValueRedactor => {
  if (redact === undefined) return { text: (s) => s, value: (v) => v }
  const memo = new Map<string, string>()
  const text = (s: string): string => {
    if (s.length > MEMO_MAX_LENGTH) return redact(s)
    let out = memo.get(s)
    if (out === undefined) {
      out = redact(s)
      if (memo.size >= MEMO_MAX_ENTRIES) memo.clear()
      memo.set(s, out)
    }
    return out
  }
  return {
    text,
    value: (v) => (typeof v === "string" ? text(v) : typeof v === "object" && v !== null ? redactDeep(v, redact) : v),
  }
}
