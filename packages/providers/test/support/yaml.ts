/**
 * A small YAML reader for the VCR cassettes in test/fixtures (no dependency). It covers what those files
 * use: block mappings and sequences (including indentless `- ` under a key and `- key: v` items),
 * plain / 'single' / "double" quoted scalars folded over several lines (with `\` escapes and escaped line
 * breaks), literal `|` `|-` `|+` and folded `>` block scalars, `{}` / `[]`, null, booleans and numbers.
 * Anchors, tags, flow collections with content and multi-document files are not supported (it throws).
 */

interface Line {
  indent: number
  text: string
}

export const parseYaml = (source: string): unknown => {
  const all = source.replace(/\r\n/g, "\n").split("\n")
  const end = all.findIndex((l, i) => l === "..." || (l === "---" && i > 0))
  const lines: Array<Line> = (end === -1 ? all : all.slice(0, end))
    .filter((l, i) => !(i === 0 && l === "---"))
    .map((raw) => {
      const text = raw.replace(/^ */, "")
      return { indent: raw.length - text.length, text }
    })
  const p = new Parser(lines)
  const first = p.nextContent(0)
  if (first === -1) return null
  const [value] = p.block(first, lines[first]?.indent ?? 0)
  return value
}

const isBlank = (l: Line | undefined) => l === undefined || l.text === "" || l.text.startsWith("#")

class Parser {
  constructor(private readonly lines: Array<Line>) {}

  nextContent(from: number): number {
    for (let i = from; i < this.lines.length; i++) if (!isBlank(this.lines[i])) return i
    return -1
  }

  line(i: number): Line {
    const l = this.lines[i]
    if (l === undefined) throw new Error(`yaml: no line ${i}`)
    return l
  }

  /** Parse the node starting at line i with the given indent; returns [value, next line index]. */
  block(i: number, indent: number): [unknown, number] {
    const l = this.line(i)
    if (l.text === "-" || l.text.startsWith("- ")) return this.sequence(i, indent)
    if (this.looksLikeKey(l.text)) return this.mapping(i, indent)
    return this.scalar(l.text, i, indent - 1)
  }

  sequence(start: number, indent: number): [unknown, number] {
    const out: Array<unknown> = []
    let i = start
    while (i !== -1 && i < this.lines.length) {
      const l = this.line(i)
      if (l.indent !== indent || !(l.text === "-" || l.text.startsWith("- "))) break
      const rest = l.text === "-" ? "" : l.text.slice(2).replace(/^ +/, "")
      if (rest === "") {
        const n = this.nextContent(i + 1)
        if (n !== -1 && this.line(n).indent > indent) {
          const [v, next] = this.block(n, this.line(n).indent)
          out.push(v)
          i = next
        } else {
          out.push(null)
          i = i + 1
        }
      } else {
        const itemIndent = indent + (l.text.length - rest.length)
        if (this.looksLikeKey(rest)) {
          this.lines[i] = { indent: itemIndent, text: rest }
          const [v, next] = this.mapping(i, itemIndent)
          out.push(v)
          i = next
        } else {
          const [v, next] = this.scalar(rest, i, indent)
          out.push(v)
          i = next
        }
      }
      i = this.nextContent(i)
    }
    return [out, i === -1 ? this.lines.length : i]
  }

  looksLikeKey(text: string): boolean {
    if (text.startsWith("'") || text.startsWith('"')) {
      const q = text[0] as string
      const end = text.indexOf(q, 1)
      return end > 0 && /^:( |$)/.test(text.slice(end + 1))
    }
    return /^[^\s#'"{[][^#]*?:( |$)/.test(text)
  }

  splitKey(text: string): [string, string] {
    if (text.startsWith("'") || text.startsWith('"')) {
      const q = text[0] as string
      const end = text.indexOf(q, 1)
      return [text.slice(1, end), text.slice(end + 2).replace(/^ +/, "")]
    }
    const m = /^(.*?):( +|$)/.exec(text)
    if (m === null) throw new Error(`yaml: not a key: ${text}`)
    return [m[1] as string, text.slice(m[0].length)]
  }

  mapping(start: number, indent: number): [unknown, number] {
    const out: Record<string, unknown> = {}
    let i = start
    while (i !== -1 && i < this.lines.length) {
      const l = this.line(i)
      if (l.indent !== indent || l.text.startsWith("- ") || l.text === "-") break
      if (!this.looksLikeKey(l.text)) throw new Error(`yaml: expected a key at line ${i + 1}: ${l.text}`)
      const [key, rest] = this.splitKey(l.text)
      if (rest === "") {
        const n = this.nextContent(i + 1)
        const nl = n === -1 ? undefined : this.line(n)
        if (nl !== undefined && (nl.indent > indent || (nl.indent === indent && nl.text.startsWith("- ")))) {
          const [v, next] = this.block(n, nl.indent)
          out[key] = v
          i = next
        } else {
          out[key] = null
          i = i + 1
        }
      } else if (/^[|>][+-]?$/.test(rest)) {
        const [v, next] = this.blockScalar(rest, i + 1, indent)
        out[key] = v
        i = next
      } else {
        const [v, next] = this.scalar(rest, i, indent)
        out[key] = v
        i = next
      }
      i = this.nextContent(i)
    }
    return [out, i === -1 ? this.lines.length : i]
  }

  /** A scalar starting with `text` on line i; continuation lines are those indented more than `parent`. */
  scalar(text: string, i: number, parent: number): [unknown, number] {
    if (text.startsWith("'") || text.startsWith('"')) return this.quoted(text, i)
    const parts = [text.replace(/\s+#.*$/, "")]
    let j = i + 1
    while (j < this.lines.length) {
      const l = this.line(j)
      if (l.text !== "" && l.indent <= parent) break
      if (l.text === "" && (this.lines[j + 1] === undefined || this.line(j + 1).indent <= parent)) break
      parts.push(l.text)
      j++
    }
    return [plain(fold(parts)), j]
  }

  quoted(text: string, i: number): [unknown, number] {
    const q = text[0] as string
    const parts: Array<string> = [text.slice(1)]
    let j = i
    for (;;) {
      const joined = parts.join("\n")
      const end = q === "'" ? closingSingle(joined) : closingDouble(joined)
      if (end !== -1) {
        const body = joined.slice(0, end)
        return [q === "'" ? fold(body.split("\n")).replace(/''/g, "'") : unescapeDouble(body), j + 1]
      }
      j++
      if (j >= this.lines.length) throw new Error(`yaml: unterminated ${q} string from line ${i + 1}`)
      parts.push(this.line(j).text)
    }
  }

  blockScalar(header: string, from: number, parent: number): [string, number] {
    const folded = header.startsWith(">")
    const chomp = header.endsWith("+") ? "keep" : header.endsWith("-") ? "strip" : "clip"
    const body: Array<string> = []
    let j = from
    let indent = -1
    while (j < this.lines.length) {
      const l = this.line(j)
      if (l.text === "") {
        body.push("")
        j++
        continue
      }
      if (l.indent <= parent) break
      if (indent === -1) indent = l.indent
      if (l.indent < indent) break
      body.push(" ".repeat(l.indent - indent) + l.text)
      j++
    }
    // trailing blank lines belong to the scalar only for chomping
    let trailing = 0
    while (body.length > 0 && body[body.length - 1] === "") {
      body.pop()
      trailing++
    }
    let text = folded ? fold(body) : body.join("\n")
    if (body.length > 0) text += chomp === "strip" ? "" : chomp === "keep" ? "\n".repeat(trailing + 1) : "\n"
    return [text, j]
  }
}

/** YAML line folding: a single break becomes a space, n blank lines become n newlines. */
const fold = (lines: ReadonlyArray<string>): string => {
  let out = ""
  let pendingBreaks = 0
  lines.forEach((raw, idx) => {
    const line = idx === 0 ? raw.replace(/ +$/, "") : raw.trim()
    // an empty line in the middle is a kept line break; the last line always ends the fold
    if (idx > 0 && line === "" && idx < lines.length - 1) {
      pendingBreaks++
      return
    }
    if (idx > 0) out += pendingBreaks > 0 ? "\n".repeat(pendingBreaks) : " "
    pendingBreaks = 0
    out += line
  })
  return out + "\n".repeat(pendingBreaks)
}

const closingSingle = (s: string): number => {
  for (let k = 0; k < s.length; k++) {
    if (s[k] === "'") {
      if (s[k + 1] === "'") k++
      else return k
    }
  }
  return -1
}

const closingDouble = (s: string): number => {
  for (let k = 0; k < s.length; k++) {
    if (s[k] === "\\") k++
    else if (s[k] === '"') return k
  }
  return -1
}

const escapes: Readonly<Record<string, string>> = {
  n: "\n",
  r: "\r",
  t: "\t",
  "\t": "\t",
  '"': '"',
  "\\": "\\",
  "/": "/",
  " ": " ",
  "0": "\0",
  a: "\x07",
  b: "\b",
  e: "\x1b",
  f: "\f",
  v: "\v",
  N: "\x85",
  _: "\xa0",
  L: "\u2028",
  P: "\u2029",
}

/** Fold a double-quoted body (escaped line breaks join without a space), then process escapes. */
const unescapeDouble = (body: string): string => {
  const lines = body.split("\n")
  let out = ""
  let pendingBreaks = 0
  let joinTight = false
  lines.forEach((raw, idx) => {
    let line = idx === 0 ? raw : raw.replace(/^[ \t]+/, "")
    const isLast = idx === lines.length - 1
    if (!isLast) line = line.replace(/[ \t]+$/, "")
    if (idx > 0 && line === "" && !isLast) {
      pendingBreaks++
      return
    }
    if (idx > 0 && !joinTight) out += pendingBreaks > 0 ? "\n".repeat(pendingBreaks) : " "
    pendingBreaks = 0
    const trailingSlashes = /\\*$/.exec(line)?.[0].length ?? 0
    joinTight = !isLast && trailingSlashes % 2 === 1
    out += joinTight ? line.slice(0, -1) : line
  })
  return out.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)/g, (_, e: string) => {
    if (e.length > 1) return String.fromCodePoint(Number.parseInt(e.slice(1), 16))
    const r = escapes[e]
    if (r === undefined) throw new Error(`yaml: unknown escape \\${e}`)
    return r
  })
}

const plain = (s: string): unknown => {
  if (s === "" || s === "~" || s === "null" || s === "Null" || s === "NULL") return null
  if (s === "true" || s === "True") return true
  if (s === "false" || s === "False") return false
  if (s === "{}") return {}
  if (s === "[]") return []
  if (/^[-+]?\d+$/.test(s)) return Number(s)
  if (/^[-+]?(\d+\.\d*|\.\d+|\d+)([eE][-+]?\d+)?$/.test(s)) return Number(s)
  if (s.startsWith("{") || s.startsWith("[") || s.startsWith("&") || s.startsWith("*") || s.startsWith("!"))
    throw new Error(`yaml: unsupported node: ${s.slice(0, 40)}`)
  return s
}
