import { spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { parseCapture } from "@switchyard/simulator"
import { describe, expect, it } from "vitest"
import { startGateway } from "../../gateway/src/gateway.js"

const root = join(import.meta.dirname, "../../..")
const cli = join(root, "examples/simulate/cli.ts")
const tsx = join(root, "node_modules/.bin/tsx")

const MODEL = "google/gemini-2.5-pro-preview"

describe("a capture recorded by the gateway replays in the simulator", () => {
  it("records real HTTP traffic on the default config, then pnpm simulate --trace replays it (time-scaled)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "replay-"))
    const capture = join(dir, "capture.jsonl")
    const running = await startGateway({ port: 0, capture, logSink: () => {} })
    const post = (body: object) =>
      fetch(`${running.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: MODEL, messages: [{ role: "user", content: "Say hello" }], ...body }),
      }).then(async (r) => {
        await r.text()
        return r.status
      })
    const statuses: Array<number> = []
    for (let i = 0; i < 12; i++) {
      statuses.push(
        await post({
          max_tokens: 64 + i,
          ...(i % 3 === 0 && { stream: true }),
          ...(i % 4 === 0 && { provider: { priority: "critical" } }),
        }),
      )
    }
    await running.close()
    expect(statuses.every((s) => s === 200)).toBe(true)

    const { records, invalid } = parseCapture(readFileSync(capture, "utf8"))
    expect(invalid).toEqual([])
    expect(records).toHaveLength(12)
    expect(records.filter((r) => r.stream)).toHaveLength(4)
    expect(records.filter((r) => r.priority === "critical")).toHaveLength(3)
    expect(records.map((r) => r.maxTokens)).toEqual(Array.from({ length: 12 }, (_, i) => 64 + i))

    const r = spawnSync(
      tsx,
      ["--conditions=source", cli, "launch-day", "--trace", capture, "--speed", "2", "--only", "cost mode (no PT)"],
      { cwd: dir, encoding: "utf8", env: { ...process.env, INIT_CWD: dir } },
    )
    expect(r.stderr).not.toContain("defects")
    expect(r.status).toBe(0)
    // every recorded request was replayed, in classes by priority (no gateway keys on the default config)
    expect(r.stdout).toMatch(/launch-day: 12 recorded requests at 2× speed over /)
    expect(r.stdout).toMatch(/\| policy +\| critical \(critical\) \| default \(default\) \| +all \|/)
    expect(r.stdout).toMatch(/\| cost mode \(no PT\) +\| +100\.00% \|/)
  }, 120_000)
})
