import { spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"

const root = join(import.meta.dirname, "../../..")
const cli = join(root, "examples/simulate/cli.ts")
const tsx = join(root, "node_modules/.bin/tsx")

const run = (args: ReadonlyArray<string>, cwd: string) =>
  spawnSync(tsx, ["--conditions=source", cli, ...args], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, INIT_CWD: cwd },
  })

const launchDay = JSON.parse(readFileSync(join(root, "examples/simulate/launch-day.json"), "utf8"))

describe("pnpm simulate", () => {
  it("prints the comparison table and writes a self-contained HTML report", () => {
    const dir = mkdtempSync(join(tmpdir(), "sim-cli-"))
    writeFileSync(
      join(dir, "tiny.json"),
      JSON.stringify({
        ...launchDay,
        name: "tiny",
        duration: "3m",
        bucket: "1m",
        policies: launchDay.policies.slice(1, 3),
      }),
    )
    const r = run(["tiny.json", "--json", "tiny.report.json"], dir)
    expect(r.status).toBe(0)
    expect(r.stdout).toMatch(/\| policy +\| availability \|/)
    expect(r.stdout).toContain("| cost mode (no PT)")
    expect(r.stdout).toContain("| PT first")
    const html = readFileSync(join(dir, "simulation-report-tiny.html"), "utf8")
    expect(html).toContain("<svg ")
    const report = JSON.parse(readFileSync(join(dir, "tiny.report.json"), "utf8"))
    expect(report.policies.map((p: { name: string }) => p.name)).toEqual(["cost mode (no PT)", "PT first"])
    expect(r.stdout).toContain(`${report.scenario.requests.toLocaleString("en-US")} requests over 3m`)
  }, 60_000)

  it("rejects an invalid scenario with the path of each issue and exit code 2", () => {
    const dir = mkdtempSync(join(tmpdir(), "sim-cli-"))
    const bad = structuredClone(launchDay)
    bad.endpoints[2].capacity.tokensPerMinute = -5
    bad.traffic.streamingShare = 2
    writeFileSync(join(dir, "bad.json"), JSON.stringify(bad))
    const r = run(["bad.json"], dir)
    expect(r.status).toBe(2)
    expect(r.stderr).toContain("endpoints.2.capacity.tokensPerMinute")
    expect(r.stderr).toContain("traffic.streamingShare")
    expect(existsSync(join(dir, "simulation-report-bad.html"))).toBe(false)
  }, 60_000)
})
