/**
 * A soak of the gateway as users run it: the gateway in a process of its own, three fault-injecting
 * upstreams, `concurrency` clients sending a mix of JSON and streamed requests for `durationMs`. Every answer
 * is checked against what its request asked for:
 *
 * - lost: no answer at all (the connection failed or nothing came back in time);
 * - duplicated: content repeated or belonging to another request;
 * - truncated: a 200 (or a stream ended with `[DONE]` and no in-band error) missing part of its content —
 *   a failure passed off as a success;
 * - malformed: an error that is not the OpenAI envelope.
 *
 * Failures that are reported as failures (an error envelope, an in-band error chunk) are outcomes, not
 * defects. The gateway's RSS is sampled along the way.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { RandomSeeded, randomFunction } from "@switchyard/core"
import * as Effect from "effect/Effect"
import { startGatewayProcess } from "../test/support/gateway-process.js"
import { DEFAULT_FAULTS, type FaultRates, startFaultUpstream, tokensOf } from "./fault-upstreams.js"

export interface SoakOptions {
  readonly durationMs: number
  readonly concurrency: number
  readonly faults?: FaultRates
  readonly seed?: number
  /** RSS samples over the run (default 30). */
  readonly samples?: number
  readonly onProgress?: (line: string) => void
}

export interface SoakReport {
  readonly requests: number
  readonly outcomes: Readonly<Record<string, number>>
  readonly lost: number
  readonly duplicated: number
  readonly truncated: number
  readonly malformed: number
  /** Gateway RSS in MB, one sample per interval. */
  readonly rssMb: ReadonlyArray<number>
  readonly examples: ReadonlyArray<string>
}

/** Core's seeded random as a plain function: the faults and the traffic are the same run to run. */
const seeded = (seed: number): (() => number) => Effect.runSync(Effect.provide(randomFunction, RandomSeeded(seed)))

const rssMbOf = (pid: number): number => {
  const status = readFileSync(`/proc/${pid}/status`, "utf8")
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0)
  return Math.round(kb / 1024)
}

/** The content of an SSE answer, and how it ended. */
const readStream = (text: string) => {
  let content = ""
  let errored = false
  let done = false
  for (const frame of text.split("\n\n")) {
    if (!frame.startsWith("data: ")) continue
    const data = frame.slice(6)
    if (data === "[DONE]") {
      done = true
      continue
    }
    const chunk = JSON.parse(data) as { error?: unknown; choices?: Array<{ delta?: { content?: string } }> }
    if (chunk.error !== undefined) errored = true
    content += chunk.choices?.[0]?.delta?.content ?? ""
  }
  return { content, errored, done }
}

/** Compare an answer's content with the tokens its request asked for. */
const judge = (content: string, expected: ReadonlyArray<string>): "ok" | "duplicated" | "truncated" => {
  const got = content.split(/\s+/).filter((t) => t !== "")
  const want = new Set(expected)
  if (got.some((t) => !want.has(t)) || new Set(got).size !== got.length) return "duplicated"
  return got.length === expected.length ? "ok" : "truncated"
}

export const runSoak = async (options: SoakOptions): Promise<SoakReport> => {
  const random = seeded(options.seed ?? 13)
  const faults = options.faults ?? DEFAULT_FAULTS
  const upstreams = await Promise.all([0, 1, 2].map(() => startFaultUpstream(faults, random)))
  const endpoint = (provider: string, price: number) => ({
    provider,
    upstreamModel: "soak-model",
    price: { prompt: price, completion: price * 4 },
    contextLength: 100_000,
  })
  const file = join(mkdtempSync(join(tmpdir(), "switchyard-soak-")), "soak.json")
  writeFileSync(
    file,
    JSON.stringify({
      providers: upstreams.map((u, i) => ({
        slug: `up${i}`,
        kind: "openai-compatible",
        options: { baseUrl: u.baseUrl, timeouts: { connectMs: 2_000, headersMs: 5_000, bodyMs: 5_000 } },
      })),
      models: [{ id: "soak/model", endpoints: upstreams.map((_, i) => endpoint(`up${i}`, 1 + i * 0.2)) }],
      routing: { requestTimeoutMs: 10_000, attemptTimeoutMs: 4_000, firstTokenTimeoutMs: 4_000 },
      gateway: { shutdownGraceMs: 2_000 },
      logging: { level: "error", format: "pretty" },
    }),
  )
  const gw = await startGatewayProcess(["--config", file], {})
  const outcomes: Record<string, number> = {}
  const examples: Array<string> = []
  const rssMb: Array<number> = [rssMbOf(gw.pid)]
  let requests = 0
  let lost = 0
  let duplicated = 0
  let truncated = 0
  let malformed = 0
  const count = (k: string) => {
    outcomes[k] = (outcomes[k] ?? 0) + 1
  }
  const note = (what: string) => {
    if (examples.length < 10) examples.push(what)
  }
  const ends = Date.now() + options.durationMs
  const samples = options.samples ?? 30
  const sampler = setInterval(
    () => {
      rssMb.push(rssMbOf(gw.pid))
      options.onProgress?.(
        `${Math.round((ends - Date.now()) / 1000)} s left, ${requests} requests, RSS ${rssMb.at(-1)} MB`,
      )
    },
    Math.max(1_000, options.durationMs / samples),
  )

  /** One request; resolves with how long the client waits before its next one (a 429's retry-after). */
  const one = async (n: number): Promise<number> => {
    const id = `s${n}`
    const stream = random() < 0.4
    const maxTokens = 4 + Math.floor(random() * 36)
    const expected = tokensOf(id, maxTokens)
    requests++
    let r: Response
    let text: string
    try {
      r = await fetch(`${gw.url}/v1/chat/completions`, {
        method: "POST",
        body: JSON.stringify({
          model: "soak/model",
          stream,
          max_tokens: maxTokens,
          metadata: { soak_id: id },
          messages: [{ role: "user", content: `request ${id}` }],
        }),
        signal: AbortSignal.timeout(20_000),
      })
      text = await r.text()
    } catch (e) {
      lost++
      note(`${id}: lost (${e instanceof Error ? e.message : String(e)})`)
      return 0
    }
    if (r.status !== 200) {
      try {
        const code = (JSON.parse(text) as { error: { code: string } }).error.code
        count(`${r.status} ${code}`)
      } catch {
        malformed++
        note(`${id}: ${r.status} without the error envelope: ${text.slice(0, 100)}`)
      }
      // a client with its own retry: it waits what the gateway says (capped)
      return r.status === 429 ? Math.min(2_000, Number(r.headers.get("retry-after-ms") ?? 1_000)) : 0
    }
    if (stream) {
      const s = readStream(text)
      if (!s.done) {
        truncated++
        note(`${id}: stream without [DONE]`)
        return 0
      }
      const verdict = judge(s.content, expected)
      if (verdict === "duplicated") {
        duplicated++
        note(`${id}: duplicated stream content`)
      } else if (s.errored) count("200 stream ended in-band with an error")
      else if (verdict === "truncated") {
        truncated++
        note(`${id}: stream cut short without an error`)
      } else count("200 stream")
      return 0
    }
    const content = (JSON.parse(text) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message
      .content
    const verdict = judge(content, expected)
    if (verdict === "ok") count("200 json")
    else if (verdict === "duplicated") {
      duplicated++
      note(`${id}: duplicated JSON content`)
    } else {
      truncated++
      note(`${id}: JSON content cut short`)
    }
    return 0
  }

  let next = 0
  const worker = async () => {
    while (Date.now() < ends) {
      const waitMs = await one(next++)
      if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(waitMs, ends - Date.now())))
    }
  }
  try {
    await Promise.all(Array.from({ length: options.concurrency }, worker))
  } finally {
    clearInterval(sampler)
    rssMb.push(rssMbOf(gw.pid))
    await gw.stop()
    await Promise.all(upstreams.map((u) => u.close()))
  }
  return { requests, outcomes, lost, duplicated, truncated, malformed, rssMb, examples }
}
