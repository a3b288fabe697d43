// Benchmark of the routing policy: time of one `plan()` call at 8, 64 and 1,024 candidate endpoints.
// Run: `pnpm bench:plan` (= npx tsx --conditions=source bench/plan.bench.ts). Not a test: goals are
// p50 ≤ 10 µs at 8 endpoints and growth no worse than n·log n.
import {
  buildCatalog,
  type CatalogConfig,
  type Endpoint,
  type EndpointConfig,
  type EndpointLive,
  type PlanRequest,
  plan,
  type Snapshot,
} from "@switchyard/core"
import { Result } from "effect"

const SIZES = [8, 64, 1024] as const
const MODEL = "google/gemini-2.5-pro-preview"
const NOW = 1_700_000_000_000

/** Deterministic uniform [0, 1) (mulberry32): catalog shape and the plan's injected random. */
const seeded = (seed: number): (() => number) => {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** n endpoints of one model over n/4 providers (4 variants each, one of them provisioned), with live numbers. */
const fixture = (n: number): { candidates: ReadonlyArray<Endpoint>; snapshot: Snapshot } => {
  const rnd = seeded(n)
  const providers = Math.max(1, Math.ceil(n / 4))
  const endpoints: Array<EndpointConfig> = []
  for (let i = 0; i < n; i++) {
    const variant = i % 4
    endpoints.push({
      provider: `p${Math.floor(i / 4)}`,
      ...(variant === 0 ? {} : { variant: variant === 3 ? "pt" : `v${variant}` }),
      price: { prompt: 0.5 + rnd() * 3, completion: 2 + rnd() * 12, ...(i % 5 === 0 ? { discount: 0.2 } : {}) },
      contextLength: rnd() < 0.1 ? 32_000 : 1_048_576,
      maxOutput: 65_536,
      supportedParameters: ["temperature", "max_tokens", ...(rnd() < 0.7 ? ["tools", "response_format"] : [])],
      quantization: rnd() < 0.5 ? "bf16" : "fp8",
      dataPolicy: { collects: rnd() < 0.3, zdr: rnd() < 0.5 },
      pool: variant === 3 ? "provisioned" : "standard",
    })
  }
  const config: CatalogConfig = {
    providers: Array.from({ length: providers }, (_, i) => ({ slug: `p${i}`, kind: "openai-compatible" })),
    models: [{ id: MODEL, endpoints }],
  }
  const catalog = Result.getOrThrow(buildCatalog(config))
  const live = new Map<string, EndpointLive>()
  for (const e of catalog.endpoints) {
    const base = 0.3 + rnd() * 2
    live.set(e.id, {
      latency: rnd() < 0.9 ? { p50: base, p75: base * 1.3, p90: base * 1.8, p99: base * 3 } : undefined,
      throughput: rnd() < 0.9 ? { p50: 40 + rnd() * 100, p75: 35, p90: 30, p99: 20 } : undefined,
      recentOutage: rnd() < 0.1,
      cooldownUntil: rnd() < 0.05 ? NOW + 5_000 : undefined,
      breaker: rnd() < 0.03 ? "open" : "closed",
      predictedUtilization: rnd() < 0.1 ? 1.2 : rnd(),
    })
  }
  return { candidates: catalog.endpoints, snapshot: { now: NOW, endpoints: live } }
}

const base: PlanRequest = {
  models: [MODEL],
  provider: {},
  estimatedPromptTokens: 1_200,
  maxTokens: undefined,
  parameters: ["temperature"],
  priority: "default",
}

/** The reference description's requests: default (load-balanced), PT mode, and an advanced configuration. */
const REQUESTS: ReadonlyArray<{ readonly name: string; readonly request: PlanRequest }> = [
  { name: "default", request: base },
  { name: "PT order", request: { ...base, provider: { order: ["p0/pt", "p1"], allow_fallbacks: true } } },
  {
    name: "latency+deny+tools",
    request: {
      ...base,
      maxTokens: 4_096,
      parameters: ["temperature", "tools"],
      provider: { sort: "latency", preferred_max_latency: { p90: 3 }, data_collection: "deny", ignore: ["p2"] },
    },
  },
]

const iterationsFor = (n: number): number => (n <= 8 ? 200_000 : n <= 64 ? 40_000 : 3_000)

const quantile = (sorted: Float64Array, q: number): number =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!

interface Row {
  readonly request: string
  readonly n: number
  readonly p50: number
  readonly p99: number
}

let sink = 0
const measure = (request: PlanRequest, n: number): { p50: number; p99: number } => {
  const { candidates, snapshot } = fixture(n)
  const options = { random: seeded(42), escalating: false }
  const iterations = iterationsFor(n)
  for (let i = 0; i < Math.max(2_000, iterations / 5); i++)
    sink += plan(request, candidates, snapshot, options).attempts.length
  const samples = new Float64Array(iterations)
  for (let i = 0; i < iterations; i++) {
    const start = process.hrtime.bigint()
    const result = plan(request, candidates, snapshot, options)
    samples[i] = Number(process.hrtime.bigint() - start) / 1_000
    sink += result.attempts.length
  }
  samples.sort()
  return { p50: quantile(samples, 0.5), p99: quantile(samples, 0.99) }
}

/** Cost of the two hrtime reads around a call, included in every sample. */
const timerOverhead = (): number => {
  const samples = new Float64Array(100_000)
  for (let i = 0; i < samples.length; i++) {
    const start = process.hrtime.bigint()
    samples[i] = Number(process.hrtime.bigint() - start) / 1_000
  }
  return quantile(samples.sort(), 0.5)
}

const nLogN = (n: number): number => n * Math.log2(n)
const fmt = (v: number): string => (v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0))

const rows: Array<Row> = []
for (const { name, request } of REQUESTS) for (const n of SIZES) rows.push({ request: name, n, ...measure(request, n) })

const lines = [
  `plan() per call, µs (Node ${process.version}, ${iterationsFor(8).toLocaleString("en-US")}/${iterationsFor(64).toLocaleString("en-US")}/${iterationsFor(1024).toLocaleString("en-US")} timed calls after warm-up; timer overhead ≈ ${fmt(timerOverhead())} µs included)`,
  "",
  "| request | endpoints | p50 µs | p99 µs | p50 growth vs n=8 | n·log n growth | ratio (≤ 1 = no worse than n·log n) |",
  "|---|---:|---:|---:|---:|---:|---:|",
]
for (const row of rows) {
  const first = rows.find((r) => r.request === row.request && r.n === SIZES[0])!
  const growth = row.p50 / first.p50
  const expected = nLogN(row.n) / nLogN(SIZES[0])
  lines.push(
    `| ${row.request} | ${row.n.toLocaleString("en-US")} | ${fmt(row.p50)} | ${fmt(row.p99)} | ${growth.toFixed(1)}× | ${expected.toFixed(1)}× | ${(growth / expected).toFixed(2)} |`,
  )
}
const goal = rows.filter((r) => r.n === 8).every((r) => r.p50 <= 10)
lines.push("", `goal p50 ≤ 10 µs at 8 endpoints: ${goal ? "met" : "NOT met"} (checksum ${sink % 997})`)
console.log(lines.join("\n"))
