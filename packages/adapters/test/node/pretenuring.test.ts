import { spawnSync } from "node:child_process"
import { join } from "node:path"
import { describe, expect, it } from "vitest"

const src = join(import.meta.dirname, "../../src/node/pretenuring.ts")

/**
 * In a fresh Node that may ask V8 where an object lives: one object literal site whose objects all survive the
 * scavenges (as a gateway's per-request objects do while a burst is in flight), then how many of the last 300,000
 * objects it made are in the young generation.
 */
const youngOfLast = (turnOff: boolean): { young: number; made: number } => {
  const code = `${turnOff ? `const { turnOffPretenuring } = await import(${JSON.stringify(src)}); turnOffPretenuring()` : ""}
let keep = []
const make = (i) => ({ i, a: [i], b: { c: i } })
let young = 0, made = 0
for (let i = 0; i < 3_000_000; i++) {
  const o = make(i)
  keep.push(o)
  if (i >= 2_700_000) { made++; if (%InYoungGeneration(o)) young++ }
  if (keep.length > 200_000) keep = []
}
console.log(JSON.stringify({ young, made }))`
  const r = spawnSync(
    process.execPath,
    // optimisation and scavenges on the main thread: V8's decisions come at the same points in every run
    [
      "--allow-natives-syntax",
      "--no-concurrent-recompilation",
      "--single-threaded-gc",
      "--import",
      "tsx",
      "--input-type=module",
      "-e",
      code,
    ],
    { encoding: "utf8" },
  )
  expect(r.stderr).toBe("")
  expect(r.status).toBe(0)
  return JSON.parse(r.stdout) as { young: number; made: number }
}

describe("turnOffPretenuring (the gateway's entry calls it at start)", () => {
  it("V8 by default moves a site whose objects all survive to the old generation for good", () => {
    // what the call is for: on this Node, the same loop without it allocates (nearly) every later object old
    const { young, made } = youngOfLast(false)
    expect(made).toBe(300_000)
    expect(young).toBeLessThan(made / 100)
  })

  it("after the call, that site's objects are still allocated young (they die there, cheaply)", () => {
    const { young, made } = youngOfLast(true)
    expect(made).toBe(300_000)
    expect(young).toBeGreaterThan(made * 0.99)
  })
})
