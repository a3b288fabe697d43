import { describe, expect, it } from "vitest"
import { plan } from "../../src/policy/plan.js"
import { endpointsOf, excludedBy, GEMINI, options, referenceCatalog, request, slugs, snapshot } from "./helpers.js"

const catalog = referenceCatalog()
const candidates = endpointsOf(catalog, GEMINI)
const PT = `${GEMINI}@google-vertex/pt`
const STANDARD = ["google-vertex", "google-ai-studio", "deepinfra", "chutes"]

describe("pool rule", () => {
  it("a base slug in order does not opt in to PT: the PT endpoint stays held for escalation", () => {
    const p = plan(request({ order: ["google-vertex"] }), candidates, snapshot(), options(1))
    expect(slugs(p.attempts)[0]).toBe("google-vertex")
    expect(slugs(p.attempts)).not.toContain("google-vertex/pt")
    expect(slugs(p.escalation)).toEqual(["google-vertex/pt"])
    expect(p.escalation[0]!.reasons).toContain("provisioned: held for escalation")
  })

  it("high_availability: provisioned endpoints first, then the standard ones as fallbacks", () => {
    const p = plan(request({ high_availability: true, sort: "price" }), candidates, snapshot(), options(1))
    expect(slugs(p.attempts)).toEqual(["google-vertex/pt", "deepinfra", "chutes", "google-vertex", "google-ai-studio"])
    expect(p.attempts[0]!.reasons).toContain("high_availability: provisioned first")
    expect(p.escalation).toEqual([])
  })

  it("high_availability with allow_fallbacks: false keeps only the best (provisioned) endpoint", () => {
    const p = plan(request({ high_availability: true, allow_fallbacks: false }), candidates, snapshot(), options(1))
    expect(slugs(p.attempts)).toEqual(["google-vertex/pt"])
    for (const slug of STANDARD) expect(excludedBy(p, `${GEMINI}@${slug}`)).toEqual(["not_in_order"])
  })

  it("priority batch never gets PT, even when order names it", () => {
    const p = plan(
      request({ order: ["google-vertex/pt"] }, { priority: "batch" }),
      candidates,
      snapshot(),
      options(1, true),
    )
    expect(slugs(p.attempts)).not.toContain("google-vertex/pt")
    expect(p.attempts.length).toBe(4)
    expect(p.escalation).toEqual([])
    expect(excludedBy(p, PT)).toEqual(["pool:provisioned"])
    expect(p.steps).toContain("pool: priority batch, 1 provisioned excluded")
  })

  it("escalation: 'deny' excludes PT instead of holding it, unless the request opts in", () => {
    const denied = plan(request({ escalation: "deny" }), candidates, snapshot(), options(1))
    expect(denied.escalation).toEqual([])
    expect(excludedBy(denied, PT)).toEqual(["pool:provisioned"])
    const optedIn = plan(
      request({ escalation: "deny", order: ["google-vertex/pt"] }),
      candidates,
      snapshot(),
      options(1),
    )
    expect(slugs(optedIn.attempts)[0]).toBe("google-vertex/pt")
  })

  it("allow_fallbacks: false without order holds no PT for escalation", () => {
    const p = plan(request({ allow_fallbacks: false, sort: "price" }), candidates, snapshot(), options(1))
    expect(slugs(p.attempts)).toEqual(["deepinfra"])
    expect(p.escalation).toEqual([])
    expect(excludedBy(p, PT)).toEqual(["pool:provisioned", "not_in_order"])
  })

  it("a PT endpoint that fails a hard filter is excluded with every reason, not held", () => {
    const p = plan(request({ max_price: { completion: 11 } }), candidates, snapshot(), options(1))
    expect(p.escalation).toEqual([])
    expect(excludedBy(p, PT)).toEqual(["max_price", "pool:provisioned"])
  })

  it("PT in cooldown is excluded even in PT mode", () => {
    const snap = snapshot({ [PT]: { cooldownUntil: Number.MAX_SAFE_INTEGER } })
    const p = plan(request({ order: ["google-vertex/pt"] }), candidates, snap, options(1))
    expect(slugs(p.attempts)).not.toContain("google-vertex/pt")
    expect(excludedBy(p, PT)).toEqual(["cooldown"])
  })
})
