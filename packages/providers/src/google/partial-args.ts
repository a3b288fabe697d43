/**
 * Vertex streamed function-call arguments (`functionCall.partialArgs`, `willContinue`): each entry
 * sets one JSON path of the arguments; a `stringValue` whose previous piece had `willContinue: true`
 * is appended to. The call is complete when a `functionCall` arrives without `willContinue`
 * (often an empty `functionCall: {}`).
 */
type Key = string | number

/** `$.a.b[0]['c d']` → ["a", "b", 0, "c d"]; undefined when the path is not understood. */
export const parseJsonPath = (path: string): Array<Key> | undefined => {
  if (!path.startsWith("$")) return undefined
  const keys: Array<Key> = []
  let rest = path.slice(1)
  while (rest !== "") {
    const dot = /^\.([^.[\]]+)/.exec(rest)
    const index = /^\[(\d+)\]/.exec(rest)
    const quoted = /^\[(['"])((?:(?!\1).)*)\1\]/.exec(rest)
    if (dot?.[1] !== undefined) {
      keys.push(dot[1])
      rest = rest.slice(dot[0].length)
    } else if (index?.[1] !== undefined) {
      keys.push(Number(index[1]))
      rest = rest.slice(index[0].length)
    } else if (quoted?.[2] !== undefined) {
      keys.push(quoted[2])
      rest = rest.slice(quoted[0].length)
    } else return undefined
  }
  return keys
}

type Container = Record<string, unknown> | Array<unknown>

export class PartialArgs {
  readonly value: Record<string, unknown> = {}
  private readonly continuing = new Set<string>()

  /** Apply one `partialArgs` entry; false when the entry cannot be understood. */
  apply(entry: unknown): boolean {
    if (typeof entry !== "object" || entry === null) return false
    const e = entry as Record<string, unknown>
    if (typeof e.jsonPath !== "string") return false
    const keys = parseJsonPath(e.jsonPath)
    if (keys === undefined || keys.length === 0) return false
    let next: unknown
    if (typeof e.stringValue === "string") {
      const previous = this.read(keys)
      next = this.continuing.has(e.jsonPath) && typeof previous === "string" ? previous + e.stringValue : e.stringValue
    } else if (typeof e.numberValue === "number") next = e.numberValue
    else if (typeof e.boolValue === "boolean") next = e.boolValue
    else if ("nullValue" in e) next = null
    else return false
    if (e.willContinue === true) this.continuing.add(e.jsonPath)
    else this.continuing.delete(e.jsonPath)
    this.write(keys, next)
    return true
  }

  private read(keys: ReadonlyArray<Key>): unknown {
    let node: unknown = this.value
    for (const key of keys) {
      if (typeof node !== "object" || node === null) return undefined
      node = (node as Record<Key, unknown>)[key]
    }
    return node
  }

  private write(keys: ReadonlyArray<Key>, value: unknown): void {
    let node: Container = this.value
    for (const [i, key] of keys.entries()) {
      const last = i === keys.length - 1
      const record = node as Record<Key, unknown>
      if (last) {
        record[key] = value
        return
      }
      const nextKey = keys[i + 1]
      let child = record[key]
      if (typeof child !== "object" || child === null) {
        child = typeof nextKey === "number" ? [] : {}
        record[key] = child
      }
      node = child as Container
    }
  }
}
