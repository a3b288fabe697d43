/**
 * Secret redaction for every string that leaves Switchyard from an upstream (errors, traces, logs).
 *
 *   const redact = makeRedactor(["sk-live-…", "internal-llm.corp"])
 *   redact("bad key sk-live-…") → "bad key [REDACTED]"
 *
 * Masks, in this order: each configured secret (longest first, every occurrence), then common key shapes
 * whoever they belong to — `Bearer <token>`, `sk-…`/`sk-ant-…` keys, Google `AIza…` keys and `ya29.`
 * tokens, JWTs, `api_key=…`-style assignments, and masked keys that keep a few characters
 * (`sk-abc****wxyz`, `sk-…wxyz`).
 */
export type Redactor = (text: string) => string

export const REDACTED = "[REDACTED]"

/** Shorter configured values are not masked (they would mask ordinary words). */
const MIN_SECRET_LENGTH = 6

/**
 * A key shape: its pattern, the replacement, and (for a pattern that is slow to scan) strings of which the text must
 * contain one for the pattern to match at all — checked first, so ordinary text (log lines, ids) skips the scan.
 */
type KeyShape = readonly [pattern: RegExp, replacement: string, needs?: ReadonlyArray<string>]

const keyShapes: ReadonlyArray<KeyShape> = [
  [/(bearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi, `$1${REDACTED}`],
  // masked keys that keep a few characters: `sk-abc****wxyz`, `sk-…wxyz`, `gsk_...wxyz`, `abcd********wxyz`. Every
  // match has `**`, `…` or `...`; without one the scan (quadratic in a run of id characters) is skipped.
  [
    /[A-Za-z0-9_-]*[-_][A-Za-z0-9_-]*(?:\*{2,}|…|\.{3})(?:[A-Za-z0-9_*.…-]*[A-Za-z0-9_*])?|[A-Za-z0-9_-]*\*{4,}[A-Za-z0-9_*-]*/g,
    REDACTED,
    ["**", "…", "..."],
  ],
  [/\b(?:sk|pk|rk)-[A-Za-z0-9_-]{8,}/g, REDACTED],
  [/\bAIza[0-9A-Za-z_-]{20,}/g, REDACTED],
  [/\bya29\.[0-9A-Za-z_.-]{8,}/g, REDACTED],
  [/\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, REDACTED],
  [/\b(?:gsk|xai|r8|hf|ghp|github_pat)_[A-Za-z0-9_]{16,}/g, REDACTED],
  [
    /\b((?:x-)?(?:api[_-]?key|access[_-]?token|auth[_-]?token|secret|password|token|key)["']?\s*[:=]\s*["']?)[^\s"',;&)}\]]{8,}/gi,
    `$1${REDACTED}`,
  ],
]

/**
 * What every key shape's match contains — `bearer`, `**`, `…`, `...`, `sk-`/`pk-`/`rk-`, `AIza`, `ya29.`, `eyJ`, an
 * `_` (the token prefixes) or a `:`/`=` (assignments) — so text with none of them (an id, a name, a number) skips all
 * the scans in one. Case-insensitive: a superset of what the shapes match.
 */
const ANY_SHAPE = /bearer|\*\*|…|\.\.\.|[spr]k-|aiza|ya29\.|eyj|[_:=]/i

const containsAny = (text: string, parts: ReadonlyArray<string>): boolean => {
  for (const part of parts) if (text.includes(part)) return true
  return false
}

export const makeRedactor = (secrets: Iterable<string>): Redactor => {
  const values = [...new Set(secrets)].filter((s) => s.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length)
  return (text) => {
    let out = text
    for (const v of values) if (out.includes(v)) out = out.split(v).join(REDACTED)
    if (!ANY_SHAPE.test(out)) return out
    for (const [pattern, replacement, needs] of keyShapes)
      if (needs === undefined || containsAny(out, needs)) out = out.replace(pattern, replacement)
    return out
  }
}

/** A redactor with the key shapes only (no configured secrets). */
export const redactGeneric: Redactor = makeRedactor([])

/**
 * The text's first `max` characters, redacted: masked first, cut after, so a secret the cut would have halved is
 * masked whole instead of leaking up to its last characters. Text far beyond `max` is not scanned: the window is
 * `max` plus a margin longer than any secret or key shape the redactor masks.
 */
export const redactedPrefix = (redact: Redactor, text: string, max: number): string => {
  const window = max + PREFIX_MARGIN
  const masked = redact(text.length > window ? text.slice(0, window) : text)
  return masked.length > max ? masked.slice(0, max) : masked
}

/** Longer than any configured secret or key shape in practice (a PEM private key is ≈ 1.7 KB). */
const PREFIX_MARGIN = 8192

/** Deeper values are dropped rather than walked (a bound on the work, never a stack overflow). */
const MAX_DEPTH = 32

/**
 * A copy of `value` with every string in it redacted (object keys included), walked to a bounded
 * depth; values that need no change are returned as they are.
 */
export const redactDeep = <A>(value: A, redact: Redactor): A => walk(value, redact, 0) as A

const walk = (value: unknown, redact: Redactor, depth: number): unknown => {
  if (typeof value === "string") return redact(value)
  if (typeof value !== "object" || value === null) return value
  if (depth >= MAX_DEPTH) return REDACTED
  // what `JSON.stringify` would write for it (a trace's plan, written when read)
  const toJSON = (value as { readonly toJSON?: unknown }).toJSON
  if (typeof toJSON === "function") return walk(toJSON.call(value), redact, depth + 1)
  if (Array.isArray(value)) {
    let out: Array<unknown> | undefined
    for (let i = 0; i < value.length; i++) {
      const v = walk(value[i], redact, depth + 1)
      if (v !== value[i]) {
        out ??= value.slice()
        out[i] = v
      }
    }
    return out ?? value
  }
  let out: Record<string, unknown> | undefined
  const entries = Object.entries(value)
  for (const [k, v] of entries) {
    const key = redact(k)
    const w = walk(v, redact, depth + 1)
    if (key !== k || w !== v) {
      out ??= Object.fromEntries(entries)
      if (key !== k) delete out[k]
      out[key] = w
    }
  }
  return out ?? value
}
