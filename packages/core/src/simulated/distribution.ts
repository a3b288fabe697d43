import * as Schema from "effect/Schema"

const Positive = Schema.Finite.check(Schema.isGreaterThan(0))
const NonNegative = Schema.Finite.check(Schema.isGreaterThanOrEqualTo(0))

/** Always the same value. A bare number in a config means this. */
export const ConstantDist = Schema.Struct({ type: Schema.Literal("constant"), value: NonNegative })

/**
 * Log-normal, given by its median and 90th percentile (p90 ≥ median): μ = ln(median),
 * σ = ln(p90 / median) / 1.2816. Right-skewed like real latencies; p90 = median means constant.
 */
export const LogNormalDist = Schema.Struct({
  type: Schema.Literal("lognormal"),
  median: Positive,
  p90: Positive,
}).check(Schema.makeFilter((d) => d.p90 >= d.median || { path: ["p90"], issue: "p90 must be ≥ median" }))

/** Uniform on [min, max]. */
export const UniformDist = Schema.Struct({ type: Schema.Literal("uniform"), min: NonNegative, max: NonNegative }).check(
  Schema.makeFilter((d) => d.max >= d.min || { path: ["max"], issue: "max must be ≥ min" }),
)

/** Exponential with the given mean. */
export const ExponentialDist = Schema.Struct({ type: Schema.Literal("exponential"), mean: Positive })

/** Normal truncated at `min` (default 0). */
export const NormalDist = Schema.Struct({
  type: Schema.Literal("normal"),
  mean: Schema.Finite,
  stddev: NonNegative,
  min: Schema.optionalKey(NonNegative),
})

/** A distribution of non-negative numbers (milliseconds, tokens, tokens/s…). */
export const Distribution = Schema.Union([
  NonNegative,
  ConstantDist,
  LogNormalDist,
  UniformDist,
  ExponentialDist,
  NormalDist,
])
export type Distribution = typeof Distribution.Type

/** Standard-normal quantile of 0.9. */
export const Z90 = 1.2815515655446004

/** A source of uniform numbers in [0, 1): `Random.nextDoubleUnsafe` of a seeded Effect `Random`. */
export type Uniform = () => number

/** A standard normal variate (Box–Muller; one per two uniforms, no hidden state). */
export const standardNormal = (u: Uniform): number => {
  const u1 = 1 - u() // (0, 1]
  const u2 = u()
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2)
}

/** Build a sampler once per config; call it per draw. Samples are ≥ 0. */
export const sampler = (dist: Distribution): ((u: Uniform) => number) => {
  if (typeof dist === "number") return () => dist
  switch (dist.type) {
    case "constant": {
      const v = dist.value
      return () => v
    }
    case "lognormal": {
      const mu = Math.log(dist.median)
      const sigma = Math.log(dist.p90 / dist.median) / Z90
      if (sigma === 0) return () => dist.median
      return (u) => Math.exp(mu + sigma * standardNormal(u))
    }
    case "uniform": {
      const { min, max } = dist
      return (u) => min + (max - min) * u()
    }
    case "exponential": {
      const mean = dist.mean
      return (u) => -mean * Math.log(1 - u())
    }
    case "normal": {
      const { mean, stddev } = dist
      const min = dist.min ?? 0
      return (u) => Math.max(min, mean + stddev * standardNormal(u))
    }
  }
}

/** The distribution's median (used for documentation, defaults and sanity checks). */
export const medianOf = (dist: Distribution): number => {
  if (typeof dist === "number") return dist
  switch (dist.type) {
    case "constant":
      return dist.value
    case "lognormal":
      return dist.median
    case "uniform":
      return (dist.min + dist.max) / 2
    case "exponential":
      return dist.mean * Math.LN2
    case "normal":
      return Math.max(dist.min ?? 0, dist.mean)
  }
}

/** An integer sampler of at least `floor` (token counts). */
export const intSampler = (dist: Distribution, floor = 1): ((u: Uniform) => number) => {
  const s = sampler(dist)
  return (u) => Math.max(floor, Math.round(s(u)))
}
