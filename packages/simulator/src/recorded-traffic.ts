import { type CaptureRecord, decodeCaptureLine, Simulated } from "@switchyard/core"
import * as Result from "effect/Result"
import type { ResolvedClass, ResolvedScenario } from "./resolve-scenario.js"
import { type ArrivalTrace, seededUniform } from "./traffic.js"

/** A capture file read line by line: the records, and the lines that were not records (with why). */
export interface ParsedCapture {
  readonly records: ReadonlyArray<CaptureRecord>
  readonly invalid: ReadonlyArray<{ readonly line: number; readonly message: string }>
}

/** Parse the text of a capture file (JSONL written by `gateway.capture`). Blank lines are skipped. */
export const parseCapture = (text: string): ParsedCapture => {
  const records: Array<CaptureRecord> = []
  const invalid: Array<{ line: number; message: string }> = []
  const lines = text.split("\n")
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim()
    if (line === "") continue
    const r = decodeCaptureLine(line)
    if (Result.isSuccess(r)) records.push(r.success)
    else invalid.push({ line: i + 1, message: r.failure.message.split("\n")[0]!.slice(0, 200) })
  }
  return { records, invalid }
}

export interface ReplayOptions {
  /** Time scale of the arrivals (default 1; 2 = twice the rate). */
  readonly speed?: number
}

/**
 * Traffic classes of a capture: one per gateway key (`team-a`), per key and priority when a key sent
 * several priorities (`team-a/critical`), or per priority for requests without a key (`critical`).
 */
const classNameOf = (r: CaptureRecord, keysWithSeveralPriorities: ReadonlySet<string>): string =>
  r.key === undefined ? r.priority : keysWithSeveralPriorities.has(r.key) ? `${r.key}/${r.priority}` : r.key

/**
 * The scenario with its traffic replaced by recorded arrivals: same endpoints, routing and policies;
 * duration = the recording's span ÷ speed; one traffic class per key (or priority) of the capture,
 * with the `provider` routing object of the scenario's class of the same name, if any. Each request
 * keeps its recorded prompt size (served size, else the gateway's estimate), completion size (drawn
 * from the scenario's `outputTokens` when nothing was served), `max_tokens` and streaming. Records for
 * other models than the scenario's are left out — unless none is for it, then all are replayed as it.
 */
export const replayScenario = (
  s: ResolvedScenario,
  records: ReadonlyArray<CaptureRecord>,
  options: ReplayOptions = {},
): { readonly scenario: ResolvedScenario; readonly trace: ArrivalTrace } => {
  const speed = options.speed ?? 1
  if (!(speed > 0 && Number.isFinite(speed))) throw new Error(`speed must be a positive number, got ${speed}`)
  const ofModel = records.filter((r) => r.model === s.model)
  const chosen = [...(ofModel.length > 0 ? ofModel : records)].sort((a, b) => a.at - b.at)
  const n = chosen.length
  if (n === 0) throw new Error("the capture holds no request to replay")

  const priorities = new Map<string, Set<string>>()
  for (const r of chosen)
    if (r.key !== undefined) priorities.set(r.key, (priorities.get(r.key) ?? new Set()).add(r.priority))
  const several = new Set([...priorities].filter(([, p]) => p.size > 1).map(([k]) => k))

  const classIndex = new Map<string, number>()
  const classes: Array<ResolvedClass & { count: number }> = []
  const t0 = chosen[0]!.at
  const at = new Float64Array(n)
  const klass = new Uint8Array(n)
  const promptTokens = new Uint32Array(n)
  const outputTokens = new Uint32Array(n)
  const stream = new Uint8Array(n)
  const maxTokens = new Uint32Array(n)
  const u = seededUniform(`${s.seed}/replay`)
  const output = Simulated.intSampler(s.outputTokens, 1)
  for (let i = 0; i < n; i++) {
    const r = chosen[i]!
    const name = classNameOf(r, several)
    let k = classIndex.get(name)
    if (k === undefined) {
      if (classes.length === 255) throw new Error("a capture replays at most 255 traffic classes (keys × priorities)")
      k = classes.length
      classIndex.set(name, k)
      const declared = s.scenario.traffic.classes?.find((c) => c.name === name)
      classes.push({ name, share: 0, priority: r.priority, provider: declared?.provider, count: 0 })
    }
    classes[k]!.count++
    at[i] = (r.at - t0) / speed
    klass[i] = k
    promptTokens[i] = Math.max(1, r.promptTokens ?? r.estimatedPromptTokens)
    outputTokens[i] = r.completionTokens ?? output(u)
    stream[i] = r.stream ? 1 : 0
    maxTokens[i] = r.maxTokens ?? 0
  }
  const durationMs = Math.floor(at[n - 1]!) + 1
  const bucketMs =
    s.scenario.bucket !== undefined && durationMs / s.scenario.bucket >= 4 && durationMs / s.scenario.bucket <= 500
      ? s.scenario.bucket
      : Math.max(1_000, Math.round(durationMs / 96))
  return {
    scenario: {
      ...s,
      durationMs,
      bucketMs,
      classes: classes.map(({ count, ...c }) => ({ ...c, share: count / n })),
      replay: { records: n, otherModels: records.length - n, speed },
    },
    trace: { count: n, at, klass, promptTokens, outputTokens, stream, maxTokens },
  }
}
