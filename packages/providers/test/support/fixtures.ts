/**
 * Reading the recorded fixtures copied into test/fixtures (see its README for sources and licences).
 *
 *   readFixture("openai/openai-chat-text.json") → string
 *   readCassette("azure/azure-chat-text.cassette.yaml") → Interaction[]   (bodies as text, headers lower-cased)
 *   chunkLines(readFixture("openai/openai-chat-text.chunks.txt")) → one JSON text per SSE data event
 *   openAiSseFrames(lines) → ["data: <line>\n\n", …, "data: [DONE]\n\n"]   (the framing fixtures/README.md gives)
 */
import { readFileSync } from "node:fs"
import { parseYaml } from "./yaml.js"

const root = new URL("../fixtures/", import.meta.url)

export const readFixture = (path: string): string => readFileSync(new URL(path, root), "utf8")

export interface Interaction {
  readonly request: {
    readonly method: string
    readonly uri: string
    readonly headers: Readonly<Record<string, string>>
    readonly body: string | undefined
  }
  readonly response: {
    readonly status: number
    readonly headers: Readonly<Record<string, string>>
    readonly body: string
  }
}

type Obj = Record<string, unknown>
const obj = (u: unknown): Obj => (typeof u === "object" && u !== null && !Array.isArray(u) ? (u as Obj) : {})

const headers = (u: unknown): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(obj(u)))
    out[k.toLowerCase()] = Array.isArray(v) ? v.map(String).join(", ") : String(v)
  return out
}

/** Body in any of the cassette forms: `parsed_body`, `body: {string}`, `body: '...'`, `content`. */
const bodyOf = (m: Obj): string | undefined => {
  if ("parsed_body" in m) return JSON.stringify(m.parsed_body)
  if (typeof m.body === "string") return m.body
  if (typeof obj(m.body).string === "string") return obj(m.body).string as string
  if (typeof m.content === "string") return m.content
  return undefined
}

export const readCassette = (path: string): ReadonlyArray<Interaction> => {
  const doc = obj(parseYaml(readFixture(path)))
  const list = Array.isArray(doc.interactions) ? doc.interactions : []
  return list.map((raw) => {
    const req = obj(obj(raw).request)
    const res = obj(obj(raw).response)
    const status = typeof res.status_code === "number" ? res.status_code : Number(obj(res.status).code)
    return {
      request: { method: String(req.method), uri: String(req.uri), headers: headers(req.headers), body: bodyOf(req) },
      response: { status, headers: headers(res.headers), body: bodyOf(res) ?? "" },
    }
  })
}

export const chunkLines = (text: string): ReadonlyArray<string> => text.split(/\r?\n/).filter((l) => l.trim() !== "")

export const openAiSseFrames = (lines: ReadonlyArray<string>, done = true): ReadonlyArray<string> => [
  ...lines.map((l) => `data: ${l}\n\n`),
  ...(done ? ["data: [DONE]\n\n"] : []),
]
