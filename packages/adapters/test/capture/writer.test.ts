import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { type CaptureRecord, decodeCaptureLine } from "@switchyard/core"
import { Result } from "effect"
import { describe, expect, it } from "vitest"
import { CaptureWriter } from "../../src/capture/writer.js"

const record = (i: number): CaptureRecord => ({
  at: 1_700_000_000_000 + i,
  model: "m",
  key: "team-a",
  priority: "default",
  estimatedPromptTokens: 100 + i,
  promptTokens: 90,
  completionTokens: 20,
  stream: i % 2 === 0,
  outcome: "ok",
  status: 200,
  endpoint: "p",
  latencyMs: 1_000,
  attempts: 1,
  escalated: false,
})

const dir = () => mkdtempSync(join(tmpdir(), "capture-"))
const lines = (file: string) => readFileSync(file, "utf8").trim().split("\n")

describe("capture writer", () => {
  it("appends one JSON line per record, each decoding to the record, after a batch delay", async () => {
    const path = join(dir(), "c.jsonl")
    writeFileSync(path, `${JSON.stringify(record(-1))}\n`) // an existing file is appended to
    const w = new CaptureWriter({ path, flushMs: 20 })
    for (let i = 0; i < 50; i++) w.record(record(i))
    expect(lines(path)).toHaveLength(1) // nothing written on the caller's turn
    await new Promise((r) => setTimeout(r, 200))
    const got = lines(path)
    expect(got).toHaveLength(51)
    for (const [i, line] of got.entries()) {
      const decoded = decodeCaptureLine(line)
      expect(Result.isSuccess(decoded) && decoded.success).toEqual(record(i - 1))
    }
    await w.close()
    expect(w.written).toBe(50)
  })

  it("records every (1 / sample)-th request", async () => {
    const path = join(dir(), "c.jsonl")
    const w = new CaptureWriter({ path, sample: 0.25 })
    for (let i = 0; i < 400; i++) w.record(record(i))
    await w.close()
    expect(lines(path)).toHaveLength(100)
    expect(lines(path).map((l) => JSON.parse(l).at - 1_700_000_000_000)).toEqual(
      Array.from({ length: 100 }, (_, k) => 4 * k + 3),
    )
  })

  it("rotates by size and keeps `files` rotated files, newest first", async () => {
    const path = join(dir(), "c.jsonl")
    const size = Buffer.byteLength(`${JSON.stringify(record(0))}\n`)
    // room for about 10 records a file; batches of 5
    const w = new CaptureWriter({ path, maxBytes: size * 10 + 5, files: 2, flushMs: 1 })
    for (let i = 0; i < 60; i++) {
      w.record(record(i))
      // each batch of 5 written before the next is recorded (a wait, not a sleep: on a loaded machine a fixed
      // pause let two batches go out as one, and the files split elsewhere)
      if (i % 5 === 4) while (w.written < i + 1) await new Promise((r) => setTimeout(r, 5))
    }
    await w.close()
    const at = (file: string) => lines(file).map((l) => JSON.parse(l).at - 1_700_000_000_000)
    expect(at(path)).toEqual([50, 51, 52, 53, 54, 55, 56, 57, 58, 59])
    expect(at(`${path}.1`)).toEqual([40, 41, 42, 43, 44, 45, 46, 47, 48, 49])
    expect(at(`${path}.2`)).toEqual([30, 31, 32, 33, 34, 35, 36, 37, 38, 39])
    expect(existsSync(`${path}.3`)).toBe(false)
    for (const f of [path, `${path}.1`, `${path}.2`])
      expect(readFileSync(f).byteLength).toBeLessThanOrEqual(size * 10 + 5)
  })

  it("drops records beyond the queue bound instead of holding or blocking the caller", async () => {
    const path = join(dir(), "c.jsonl")
    const w = new CaptureWriter({ path, maxQueued: 10, flushMs: 1_000 })
    for (let i = 0; i < 25; i++) w.record(record(i))
    expect(w.dropped).toBe(15)
    await w.close()
    expect(lines(path)).toHaveLength(10)
  })

  it("reports a file it cannot write and goes on", async () => {
    const errors: Array<string> = []
    const w = new CaptureWriter({
      path: join(dir(), "missing-dir", "c.jsonl"),
      flushMs: 1,
      onError: (e) => errors.push(e.message),
    })
    w.record(record(0))
    await new Promise((r) => setTimeout(r, 50))
    await w.close()
    expect(errors.some((m) => m.includes("ENOENT"))).toBe(true)
  })
})
