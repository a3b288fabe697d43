import { spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { describe, expect, it } from "vitest"

const root = join(import.meta.dirname, "../../../..")

/** The module URLs a fresh Node process resolves while it runs `code` (TypeScript sources, as in the workspace). */
const modulesLoadedBy = (code: string): ReadonlyArray<string> => {
  const file = join(mkdtempSync(join(tmpdir(), "modules-")), "loaded.txt")
  const r = spawnSync(
    process.execPath,
    [
      "--conditions=source",
      "--import",
      "tsx",
      "--import",
      join(import.meta.dirname, "record-modules.mjs"),
      "--input-type=module",
      "-e",
      code,
    ],
    { cwd: root, encoding: "utf8", env: { ...process.env, RECORD_MODULES: file } },
  )
  expect(r.stderr).toBe("")
  expect(r.status).toBe(0)
  return readFileSync(file, "utf8").trim().split("\n")
}

describe("importing @switchyard/core", () => {
  it("loads the simulated upstream but no simulator, report or SVG code", () => {
    const loaded = modulesLoadedBy(
      'const core = await import("@switchyard/core"); if (typeof core.Simulated.makeSimulatedUpstream !== "function") process.exit(3)',
    )
    // the hook saw core's own modules, the simulated upstream among them
    expect(loaded.some((u) => u.endsWith("/packages/core/src/index.ts"))).toBe(true)
    expect(loaded.some((u) => u.endsWith("/packages/core/src/simulated/upstream.ts"))).toBe(true)
    // judged on the path inside the repository: the checkout's own folder name may contain any of these words
    const offending = loaded
      .map((u) => u.replace(pathToFileURL(root).href, ""))
      .filter((u) => /^\/packages\/(simulator|redis)\/|ioredis|report|svg/i.test(u))
    expect(offending).toEqual([])
  })

  it("the simulator is a package of its own that loads core", () => {
    const loaded = modulesLoadedBy('await import("@switchyard/simulator")')
    expect(loaded.some((u) => u.endsWith("/packages/simulator/src/report-html.ts"))).toBe(true)
    expect(loaded.some((u) => u.endsWith("/packages/core/src/index.ts"))).toBe(true)
  })
})
