/**
 * Nesting depth of a parsed request body. `JSON.parse` itself takes any depth, but everything after
 * it that walks the value recursively (`JSON.stringify` for the upstream, translators, traces) overflows
 * the stack a few thousand levels down; the gateway refuses bodies nested deeper than `maxJsonDepth`.
 *
 *   tooDeep(value, 512) → undefined | "messages.0.content"   (the path down to where the limit is passed)
 */

export const DEFAULT_MAX_JSON_DEPTH = 512
/**
 * The highest `maxJsonDepth` allowed: every recursive walk of a body after the check (`JSON.stringify`
 * for the upstream, the translators) stays well inside Node's default stack at this depth.
 */
export const MAX_JSON_DEPTH_LIMIT = 1000

/** How many leading segments of the path a refusal names (the field a client has to fix). */
const PATH_SEGMENTS = 3

/**
 * `undefined` when `value` nests at most `maxDepth` objects/arrays deep (the body object itself is
 * level 1), else the dotted path of the first too-deep branch, cut to its first segments. Recursion is
 * bounded by `maxDepth`, so the check itself cannot overflow.
 */
export const tooDeep = (value: unknown, maxDepth: number): string | undefined => {
  const path: Array<string> = []
  return exceeds(value, maxDepth, path) ? path.slice(0, PATH_SEGMENTS).join(".") : undefined
}

const exceeds = (value: unknown, remaining: number, path: Array<string>): boolean => {
  if (typeof value !== "object" || value === null) return false
  if (remaining === 0) return true
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i]
      if (typeof item === "object" && item !== null && exceeds(item, remaining - 1, path)) {
        path.unshift(String(i))
        return true
      }
    }
    return false
  }
  for (const key in value) {
    const item = (value as Record<string, unknown>)[key]
    if (typeof item === "object" && item !== null && exceeds(item, remaining - 1, path)) {
      path.unshift(key)
      return true
    }
  }
  return false
}
