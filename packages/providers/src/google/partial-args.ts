/**
 * Vertex streamed function-call arguments (`functionCall.partialArgs`, `willContinue`): each entry
 * sets one JSON path of the arguments; a `stringValue` whose previous piece had `willContinue: true`
 * is appended to. The call is complete when a `functionCall` arrives without `willContinue`
 * (often an empty `functionCall: {}`). `PartialArgsWriter` turns the entries into argument text as
 * they arrive, so the client receives the arguments incrementally.
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

type Frame = { readonly kind: "object" | "array"; count: number; lastKey: Key | undefined }

const text = (piece: string): string => JSON.stringify(piece).slice(1, -1)

/**
 * Writes the arguments' JSON text as the entries arrive, so each piece can go to the client as an
 * argument fragment (OpenAI clients concatenate fragments): `apply(entry)` → the text that entry adds
 * (possibly `""`), `finish()` → the closing text. Vertex generates arguments in document order; an entry
 * that would reopen a closed container, repeat a key or skip an array slot cannot be written as a
 * continuation, so `apply` returns undefined for it (as for an entry it cannot read) and the stream
 * fails as malformed rather than send broken JSON.
 */
export class PartialArgsWriter {
  /** Open containers, root object first (empty until the first entry). */
  private readonly stack: Array<Frame> = []
  private readonly path: Array<Key> = []
  /** jsonPath of the string value left open by `willContinue`. */
  private openString: string | undefined

  apply(entry: unknown): string | undefined {
    if (typeof entry !== "object" || entry === null) return undefined
    const e = entry as Record<string, unknown>
    if (typeof e.jsonPath !== "string") return undefined
    const continues = e.willContinue === true
    if (this.openString !== undefined && this.openString === e.jsonPath) {
      if (typeof e.stringValue !== "string") return undefined
      if (continues) return text(e.stringValue)
      this.openString = undefined
      return `${text(e.stringValue)}"`
    }
    let value: string
    if (typeof e.stringValue === "string") value = `"${text(e.stringValue)}${continues ? "" : '"'}`
    else if (typeof e.numberValue === "number" && Number.isFinite(e.numberValue)) value = String(e.numberValue)
    else if (typeof e.boolValue === "boolean") value = String(e.boolValue)
    else if ("nullValue" in e) value = "null"
    else return undefined
    const keys = parseJsonPath(e.jsonPath)
    if (keys === undefined || keys.length === 0) return undefined
    let out = this.closeString()
    if (this.stack.length === 0) {
      this.stack.push({ kind: "object", count: 0, lastKey: undefined })
      out += "{"
    }
    // close the containers that are not ancestors of this entry
    let common = 0
    while (common < this.path.length && common < keys.length - 1 && this.path[common] === keys[common]) common++
    while (this.path.length > common) {
      this.path.pop()
      out += this.stack.pop()?.kind === "array" ? "]" : "}"
    }
    // open the missing ancestors, then write the value
    for (let i = common; i < keys.length; i++) {
      const key = keys[i]!
      const frame = this.stack[this.stack.length - 1]!
      const member = this.member(frame, key)
      if (member === undefined) return undefined
      out += member
      if (i === keys.length - 1) out += value
      else {
        const kind = typeof keys[i + 1] === "number" ? "array" : "object"
        out += kind === "array" ? "[" : "{"
        this.stack.push({ kind, count: 0, lastKey: undefined })
        this.path.push(key)
      }
    }
    if (typeof e.stringValue === "string" && continues) this.openString = e.jsonPath
    return out
  }

  /** The text that closes the arguments (`"{}"` when no entry came). */
  finish(): string {
    if (this.stack.length === 0) return "{}"
    let out = this.closeString()
    while (this.stack.length > 0) out += this.stack.pop()?.kind === "array" ? "]" : "}"
    this.path.length = 0
    return out
  }

  private closeString(): string {
    if (this.openString === undefined) return ""
    this.openString = undefined
    return '"'
  }

  /** `,` and the member name for a new member of `frame`; undefined when it would not follow in document order. */
  private member(frame: Frame, key: Key): string | undefined {
    if (frame.kind === "array" ? key !== frame.count : typeof key !== "string" || key === frame.lastKey)
      return undefined
    const sep = frame.count > 0 ? "," : ""
    frame.count++
    frame.lastKey = key
    return frame.kind === "array" ? sep : `${sep}${JSON.stringify(key)}:`
  }
}
