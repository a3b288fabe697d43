import { describe, expect, it } from "vitest"
import { NoEndpoint } from "../../src/errors.js"
import { noEndpointError } from "../../src/policy/no-endpoint.js"
import { plan } from "../../src/policy/plan.js"
import { endpointsOf, GEMINI, GPT, options, referenceCatalog, request, snapshot } from "./helpers.js"

const catalog = referenceCatalog()

describe("noEndpointError", () => {
  it("names every dropped endpoint with the rules that dropped it", () => {
    const req = request({ data_collection: "deny", zdr: true, max_price: { prompt: 1.1 } })
    const p = plan(req, endpointsOf(catalog, GEMINI), snapshot(), options(1))
    expect(p.attempts).toEqual([])
    expect(p.escalation).toEqual([])
    const error = noEndpointError(req, p)
    expect(error).toBeInstanceOf(NoEndpoint)
    expect(error._tag).toBe("NoEndpoint")
    expect(error.model).toBe(GEMINI)
    expect(error.excluded).toEqual(p.excluded)
    expect(error.message).toBe(
      `No endpoint for ${GEMINI} satisfies the routing constraints: ` +
        "google-vertex (max_price), " +
        "google-ai-studio (data_policy:training, data_policy:zdr, max_price), " +
        "deepinfra (data_policy:training, data_policy:zdr), " +
        "chutes (data_policy:zdr, max_price), " +
        "google-vertex/pt (max_price, pool:provisioned)",
    )
  })

  it("names fallback-model endpoints with their model", () => {
    const req = request({ only: ["fireworks"] }, { models: [GEMINI, GPT] })
    const p = plan(req, endpointsOf(catalog, GEMINI, GPT), snapshot(), options(1))
    const error = noEndpointError(req, p)
    expect(error.message).toContain(`No endpoint for ${GEMINI}, ${GPT} satisfies`)
    expect(error.message).toContain(`${GPT}@azure (allowed_providers)`)
    expect(error.message).toContain("deepinfra (allowed_providers)")
  })

  it("says so when there were no candidates at all", () => {
    const req = request()
    expect(noEndpointError(req, plan(req, [], snapshot(), options(1))).message).toBe(
      `No endpoint for ${GEMINI} satisfies the routing constraints: no candidate endpoints`,
    )
  })
})
