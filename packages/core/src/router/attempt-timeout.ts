import type { RoutingDefaults } from "../catalog/catalog.js"
import type { Endpoint } from "../catalog/endpoint.js"
import type { RequestContext } from "./context.js"

/**
 * How long one attempt may wait for its first byte (a streamed attempt: its first content chunk; a
 * non-streamed one: the whole answer), in ms:
 *
 *   min( configured,                           attemptTimeoutMs (streams: and firstTokenTimeoutMs)
 *        time left,
 *        measured: max(attemptTimeoutFloorMs, attemptTimeoutMultiplier × the endpoint's p99 time to first token)
 *        not measured yet, and a fallback could follow: time left × (1 − fallbackReserve), not below the floor )
 *
 * A hung upstream then costs a request a few times what that endpoint usually takes (or the floor), or
 * — before anything is measured — half of what is left, not its whole deadline, and a fallback keeps
 * time to run. A measured endpoint is not cut below its own multiple: a slow but healthy answer (a long
 * non-streamed generation) is not traded for a fallback that would take as long. Pure; the router reads
 * the measured p99 from its snapshot.
 */
export interface AttemptLimitInput {
  /** The configured limit for this kind of attempt, ms. */
  readonly configuredMs: number
  /** Time until the request deadline, ms. */
  readonly leftMs: number
  /** The endpoint's measured p99 time to first token, ms (undefined: not measured yet). */
  readonly p99Ms: number | undefined
  /** Could another attempt follow this one (an endpoint left in the plan or by escalation, attempts left)? */
  readonly fallbackLeft: boolean
}

export const attemptLimitMs = (
  routing: Pick<RoutingDefaults, "attemptTimeoutMultiplier" | "attemptTimeoutFloorMs" | "fallbackReserve">,
  input: AttemptLimitInput,
): number => {
  const left = input.leftMs
  let limit = Math.min(input.configuredMs, left)
  const p99 = input.p99Ms
  if (p99 !== undefined && routing.attemptTimeoutMultiplier > 0)
    limit = Math.min(limit, Math.max(routing.attemptTimeoutFloorMs, routing.attemptTimeoutMultiplier * p99))
  else if (input.fallbackLeft)
    limit = Math.min(
      limit,
      Math.max(Math.min(routing.attemptTimeoutFloorMs, left), left * (1 - routing.fallbackReserve)),
    )
  return Math.max(1, Math.ceil(limit))
}

/** The endpoint's measured p99 time to first token in ms, from the request's snapshot (undefined: too few samples). */
export const measuredP99Ms = (ctx: RequestContext, endpoint: Endpoint): number | undefined => {
  const p99 = ctx.snapshot.endpoints.get(endpoint.id)?.latency?.p99
  return p99 === undefined ? undefined : p99 * 1000
}

/**
 * Configuration mistakes in the time limits, for a warning at config load: an attempt limit at or above
 * the request deadline leaves no time for a fallback (the router then splits the time left itself).
 */
export const routingWarnings = (
  routing: Pick<RoutingDefaults, "requestTimeoutMs" | "attemptTimeoutMs" | "firstTokenTimeoutMs">,
): ReadonlyArray<string> => {
  const out: Array<string> = []
  const deadline = routing.requestTimeoutMs
  for (const [name, value] of [
    ["attemptTimeoutMs", routing.attemptTimeoutMs],
    ["firstTokenTimeoutMs", routing.firstTokenTimeoutMs],
  ] as const)
    if (value >= deadline)
      out.push(
        `routing.${name} (${value} ms) is not below routing.requestTimeoutMs (${deadline} ms): an attempt could use the whole deadline; the router keeps time for a fallback by giving an attempt at most half the time left (routing.fallbackReserve) — set ${name} below the deadline to make the limit explicit`,
      )
  return out
}
