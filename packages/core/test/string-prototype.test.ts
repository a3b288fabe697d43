import { spawnSync } from "node:child_process"
import { join } from "node:path"
import { describe, expect, it } from "vitest"

const root = join(import.meta.dirname, "../../..")

/** What `code` prints in a fresh Node that may ask V8 whether `String.prototype` has fast properties. */
const inFreshNode = (code: string): unknown => {
  const r = spawnSync(
    process.execPath,
    ["--allow-natives-syntax", "--conditions=source", "--import", "tsx", "--input-type=module", "-e", code],
    { cwd: join(root, "packages/core"), encoding: "utf8" },
  )
  expect(r.stderr).toBe("")
  expect(r.status).toBe(0)
  return JSON.parse(r.stdout)
}

const support = join(import.meta.dirname, "router/support.ts")

// a fresh process with `fast()` and `build()`: a router over two endpoints, built (its runtime made) and disposed
const PRELUDE = `const fast = () => %HasFastProperties(String.prototype)
const { createRouter } = await import("@switchyard/core")
const { FakeUpstream, twoCatalog } = await import(${JSON.stringify(support)})
const build = async () => {
  const upstream = new FakeUpstream()
  const router = createRouter({ catalog: twoCatalog(), clients: { a: upstream.client, b: upstream.client } })
  await router.status("m")
  await router.dispose()
}
`

describe("a router keeps String.prototype fast (a String subclass elsewhere slows every string scan)", () => {
  it("built after a library subclassed String, it makes the prototype fast again", () => {
    const seen = inFreshNode(
      `${PRELUDE}class Verbatim extends String {}
const afterSubclass = fast()
await build()
console.log(JSON.stringify({ afterSubclass, afterRouter: fast() }))`,
    )
    expect(seen).toEqual({ afterSubclass: false, afterRouter: true })
  })

  it("built before, it keeps the prototype fast through a later subclass", () => {
    const seen = inFreshNode(
      `${PRELUDE}await build()
class Verbatim extends String {}
console.log(JSON.stringify({ afterLaterSubclass: fast(), value: String(new Verbatim("x")) }))`,
    )
    expect(seen).toEqual({ afterLaterSubclass: true, value: "x" })
  })
})
