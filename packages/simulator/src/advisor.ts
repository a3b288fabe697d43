import * as Result from "effect/Result"
import { scenarioCatalog } from "./deployment.js"
import type { PolicyResult } from "./metrics.js"
import { runJobs } from "./pool.js"
import { effectiveClasses, providerObjects } from "./provider-objects.js"
import { reportHeader, type SimulationReport } from "./report.js"
import type { ResolvedScenario } from "./resolve-scenario.js"
import type { ScenarioPolicy } from "./scenario.js"
import { type ArrivalTrace, generateTrace } from "./traffic.js"

/** A target: a traffic class, a priority or `all` must keep at least this availability (0..1). */
export interface AdviceTarget {
  readonly group: string
  readonly availability: number
}

/** `"critical=99.99,all=99.9"` → targets (percentages), or what is wrong with the text. */
export const parseTargets = (spec: string): Result.Result<ReadonlyArray<AdviceTarget>, string> => {
  const targets: Array<AdviceTarget> = []
  for (const part of spec.split(",")) {
    const m = /^\s*([^=\s]+)\s*=\s*(\d+(?:\.\d+)?)\s*%?\s*$/.exec(part)
    const pct = m === null ? Number.NaN : Number(m[2])
    if (m === null || !(pct > 0 && pct <= 100))
      return Result.fail(`"${part.trim()}": expected <class|priority|all>=<percent>, like critical=99.99`)
    // as the decimal was written (99.9 → 0.999, not 0.9990000000000001)
    targets.push({ group: m[1]!, availability: Math.round(pct * 1e6) / 1e8 })
  }
  return targets.length === 0 ? Result.fail("no target given") : Result.succeed(targets)
}

/** Availability of a group of a policy run: a class by name, else a priority, else `all`. */
export const groupAvailability = (r: PolicyResult, group: string): number | undefined => {
  if (group === "all") return r.availability
  return (r.classes.find((c) => c.name === group) ?? r.priorities.find((p) => p.name === group))?.availability
}

/** One capacity the advisor simulated. */
export interface Candidate {
  /** Reserved units (a `reserved` endpoint), or tokens per minute (an endpoint priced per token). */
  readonly size: number
  readonly tokensPerMinute: number
  readonly result: PolicyResult
  /** Every target met. */
  readonly meets: boolean
}

export interface Advice {
  readonly scenario: SimulationReport["scenario"]
  /** The endpoint sized (its slug). */
  readonly endpoint: string
  /** `units` for a reserved endpoint, `tokensPerMinute` otherwise. */
  readonly sizing: "units" | "tokensPerMinute"
  /** The endpoint's size in the scenario as written. */
  readonly current: number
  readonly policy: string
  readonly targets: ReadonlyArray<AdviceTarget>
  /** Every candidate simulated, by size. */
  readonly curve: ReadonlyArray<Candidate>
  /**
   * The smallest capacity that met every target and above which no capacity tried failed (a smaller one
   * that passed by luck below a failing one is not recommended); none if none did.
   */
  readonly recommended: Candidate | undefined
}

export interface AdviseOptions {
  readonly targets: ReadonlyArray<AdviceTarget>
  /** Slug of the endpoint to size. Default: the scenario's only provisioned endpoint. */
  readonly endpoint?: string
  /** Policy to evaluate (by name). Default: the scenario's capacity-aware-escalation policy, else its first. */
  readonly policy?: string
  /** Arrivals (default: generated from the scenario); every candidate runs on this same trace. */
  readonly trace?: ArrivalTrace
  /** Worker threads (default: available parallelism). */
  readonly threads?: number
  /** Most candidates to simulate (default 24). */
  readonly maxCandidates?: number
  /** Told after each round of candidates. */
  readonly onRound?: (curve: ReadonlyArray<Candidate>) => void
}

/** The scenario with endpoint `slug` resized: `size` reserved units, or `size` tokens per minute. */
export const withCapacity = (s: ResolvedScenario, slug: string, size: number): ResolvedScenario => ({
  ...s,
  endpoints: s.endpoints.map((e) => {
    if (e.slug !== slug) return e
    if (e.reserved === undefined) return { ...e, capacity: { ...e.capacity, tokensPerMinute: size } }
    const reserved = { ...e.reserved, units: size }
    return { ...e, reserved, capacity: { ...e.capacity, tokensPerMinute: size * reserved.unitTokensPerMinute } }
  }),
})

/** What `advise` checks before simulating anything. */
export const adviceSetup = (
  s: ResolvedScenario,
  options: Pick<AdviseOptions, "endpoint" | "policy" | "targets">,
): Result.Result<
  { readonly endpoint: ResolvedScenario["endpoints"][number]; readonly policy: ScenarioPolicy },
  string
> => {
  const provisioned = s.endpoints.filter((e) => e.pool === "provisioned")
  const endpoint =
    options.endpoint === undefined
      ? provisioned.length === 1
        ? provisioned[0]
        : undefined
      : s.endpoints.find((e) => e.slug === options.endpoint)
  if (endpoint === undefined)
    return Result.fail(
      options.endpoint === undefined
        ? `name the endpoint to size (--endpoint); provisioned ones: ${provisioned.map((e) => e.slug).join(", ") || "none"}`
        : `no endpoint "${options.endpoint}"; have: ${s.endpoints.map((e) => e.slug).join(", ")}`,
    )
  if (endpoint.reserved === undefined && endpoint.capacity?.tokensPerMinute === undefined)
    return Result.fail(`endpoint ${endpoint.slug} has no capacity to size (no reserved units, no tokensPerMinute)`)
  const policy =
    options.policy === undefined
      ? (s.policies.find((p) => p.kind === "capacity-aware-escalation") ?? s.policies[0]!)
      : s.policies.find((p) => p.name === options.policy)
  if (policy === undefined)
    return Result.fail(`no policy "${options.policy}"; have: ${s.policies.map((p) => p.name).join(", ")}`)
  // the groups the report names: each class and its effective priority under this policy
  const catalog = scenarioCatalog(s, policy)
  if (Result.isFailure(catalog)) return Result.fail(catalog.failure.message)
  const classes = effectiveClasses(providerObjects(s, policy), s, catalog.success)
  const groups = new Set(["all", ...classes.map((c) => c.name), ...classes.map((c) => c.priority)])
  const unknown = options.targets.filter((t) => !groups.has(t.group))
  if (unknown.length > 0)
    return Result.fail(
      `no class or priority ${unknown.map((t) => `"${t.group}"`).join(", ")}; have: ${[...groups].join(", ")}`,
    )
  return Result.succeed({ endpoint, policy })
}

/**
 * Search the capacity of one endpoint (reserved units, or tokens per minute) for the cheapest that
 * meets every availability target under one policy, on one trace: a coarse grid around the current
 * size first, then rounds that split the gap between the largest failing and the smallest passing
 * size, each round's candidates simulated in parallel on worker threads. Returns every candidate (the
 * curve) and the recommendation. Availability is not strictly monotone in capacity on a finite trace;
 * the curve shows where it is not.
 */
export const advise = async (s: ResolvedScenario, options: AdviseOptions): Promise<Advice> => {
  const setup = adviceSetup(s, options)
  if (Result.isFailure(setup)) throw new Error(setup.failure)
  const { endpoint, policy } = setup.success
  const trace = options.trace ?? generateTrace(s)
  const reserved = endpoint.reserved !== undefined
  const current = reserved ? endpoint.reserved!.units : endpoint.capacity!.tokensPerMinute!
  // sizes are whole units, or tokens per minute in steps of ~1% of the current capacity
  const grain = reserved ? 1 : 10 ** Math.max(0, Math.floor(Math.log10(current / 100)))
  const snap = (x: number) => Math.max(grain, Math.round(x / grain) * grain)
  const cap = snap(current * 64)
  const maxCandidates = options.maxCandidates ?? 24
  const threads = options.threads
  const curve = new Map<number, Candidate>()

  const meets = (r: PolicyResult) =>
    options.targets.every((t) => (groupAvailability(r, t.group) ?? Number.NaN) >= t.availability)

  const evaluate = async (sizes: ReadonlyArray<number>): Promise<void> => {
    const fresh = [...new Set(sizes.map(snap))].filter((x) => !curve.has(x)).slice(0, maxCandidates - curve.size)
    if (fresh.length === 0) return
    const { results } = await runJobs(
      fresh.map((size) => ({ scenario: withCapacity(s, endpoint.slug, size), trace, policy })),
      threads === undefined ? {} : { threads },
    )
    fresh.forEach((size, k) => {
      const result = results[k]!.result
      const tokensPerMinute = reserved ? size * endpoint.reserved!.unitTokensPerMinute : size
      curve.set(size, { size, tokensPerMinute, result, meets: meets(result) })
    })
    options.onRound?.(sorted())
  }
  const sorted = () => [...curve.values()].sort((a, b) => a.size - b.size)

  /** The smallest passing size above the largest failing one, and that failing size (0: none failed). */
  const boundary = (): { readonly pass: Candidate | undefined; readonly low: number } => {
    const all = sorted()
    const low = all.filter((c) => !c.meets).at(-1)?.size ?? 0
    return { pass: all.find((c) => c.meets && c.size > low), low }
  }

  await evaluate([current / 8, current / 4, current / 2, current, current * 2].map(snap))
  for (;;) {
    if (curve.size >= maxCandidates) break
    const { pass, low } = boundary()
    const before = curve.size
    if (pass === undefined) {
      const largest = sorted().at(-1)!.size
      if (largest >= cap) break
      await evaluate([largest * 2, largest * 4].filter((x) => x <= cap))
    } else {
      if (pass.size - low <= grain) break
      const parts = Math.max(2, (threads ?? 2) + 1)
      await evaluate(Array.from({ length: parts - 1 }, (_, i) => low + ((pass.size - low) * (i + 1)) / parts))
    }
    if (curve.size === before) break
  }

  const final = sorted()
  const recommended = boundary().pass
  return {
    scenario: reportHeader(s, trace),
    endpoint: endpoint.slug,
    sizing: reserved ? "units" : "tokensPerMinute",
    current,
    policy: policy.name,
    targets: options.targets,
    curve: final,
    recommended,
  }
}
