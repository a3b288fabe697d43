import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { bundleDashboard, GENERATED } from "../../scripts/bundle-dashboard.js"

describe("the dashboard bundle", () => {
  it("the committed assets are the bundle of the current client sources (run `pnpm bundle:dashboard`)", async () => {
    expect(readFileSync(GENERATED, "utf8")).toBe(await bundleDashboard())
  }, 30_000)
})
