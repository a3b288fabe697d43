import { spawnSync } from "node:child_process"
import { join } from "node:path"
import { describe, expect, it } from "vitest"

const root = join(import.meta.dirname, "../../..")
const client = join(root, "packages/redis/src/client.ts")

/** What `code` prints in a fresh Node that may ask V8 whether `String.prototype` has fast properties. */
const inFreshNode = (code: string): unknown => {
  const r = spawnSync(
    process.execPath,
    ["--allow-natives-syntax", "--conditions=source", "--import", "tsx", "--input-type=module", "-e", code],
    { cwd: join(root, "packages/redis"), encoding: "utf8" },
  )
  expect(r.stderr).toBe("")
  expect(r.status).toBe(0)
  return JSON.parse(r.stdout)
}

const FAST = "const fast = () => %HasFastProperties(String.prototype)\n"
const options = (url: string) =>
  `{ server: { kind: "single", url: "${url}" }, timeoutMs: 5, connectTimeoutMs: 100, replicaId: "r1" }`

describe("String.prototype stays fast in a process with a Redis client", () => {
  it("ioredis alone leaves it in dictionary mode; making a client makes it fast again", () => {
    const seen = inFreshNode(
      `${FAST}const start = fast()
await import("ioredis")
const afterImport = fast()
const { makeClient } = await import(${JSON.stringify(client)})
makeClient(${options("redis://127.0.0.1:1")})
console.log(JSON.stringify({ start, afterImport, afterClient: fast() }))
process.exit(0)`,
    )
    // the cause: ioredis's \`class VerbatimString extends String\` (if this changes, the workaround can go)
    expect(seen).toEqual({ start: true, afterImport: false, afterClient: true })
  })

  it("once fast, it stays fast: a later subclass of String does not slow it again", () => {
    const seen = inFreshNode(
      `${FAST}const { makeClient } = await import(${JSON.stringify(client)})
makeClient(${options("redis://127.0.0.1:1")})
const first = fast()
class Tagged extends String {}
const afterSubclass = fast()
console.log(JSON.stringify({ first, afterSubclass, tagged: String(new Tagged("x")) }))
process.exit(0)`,
    )
    expect(seen).toEqual({ first: true, afterSubclass: true, tagged: "x" })
  })
})
