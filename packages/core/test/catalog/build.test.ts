import { Result } from "effect"
import { describe, expect, it } from "vitest"
import { decodeCatalog, resolveModels, routingDefaults } from "../../src/index.js"

const config = {
  providers: [
    { slug: "google-ai-studio", kind: "google" },
    { slug: "google-vertex", kind: "google-vertex" },
  ],
  models: [
    {
      id: "google/gemini-2.5-pro-preview",
      aliases: ["gemini-pro"],
      defaults: { max_tokens: 2048 },
      endpoints: [
        {
          provider: "google-ai-studio",
          upstreamModel: "gemini-2.5-pro",
          price: { prompt: 1.25, completion: 10 },
          contextLength: 1_048_576,
        },
        {
          provider: "google-vertex",
          variant: "pt",
          pool: "provisioned",
          price: { prompt: 1.25, completion: 10, discount: 0.2 },
          contextLength: 1_048_576,
          capacity: { tokensPerMinute: 32_400 },
          outputWeight: 8,
        },
      ],
    },
  ],
  routing: { maxAttempts: 3 },
}

describe("catalog", () => {
  it("builds endpoints with slugs, effective prices and defaults", () => {
    const catalog = Result.getOrThrow(decodeCatalog(config))
    const [studio, pt] = catalog.endpoints
    expect(studio?.slug).toBe("google-ai-studio")
    expect(studio?.pool).toBe("standard")
    expect(studio?.upstreamModel).toBe("gemini-2.5-pro")
    expect(studio?.defaultMaxTokens).toBe(2048)
    expect(pt?.slug).toBe("google-vertex/pt")
    expect(pt?.id).toBe("google/gemini-2.5-pro-preview@google-vertex/pt")
    expect(pt?.upstreamModel).toBe("google/gemini-2.5-pro-preview")
    expect(pt?.effectivePrompt).toBeCloseTo(1.0)
    expect(pt?.effectiveCompletion).toBeCloseTo(8)
    expect(pt?.outputWeight).toBe(8)
    expect(catalog.routing.maxAttempts).toBe(3)
    expect(catalog.routing.escalation).toBe(routingDefaults.escalation)
  })

  it("reports schema errors with the exact path", () => {
    const bad = structuredClone(config) as { models: Array<{ endpoints: Array<{ price: { prompt: unknown } }> }> }
    bad.models[0]!.endpoints[1]!.price.prompt = "cheap"
    const r = decodeCatalog(bad)
    expect(Result.isFailure(r)).toBe(true)
    if (Result.isFailure(r)) expect(r.failure.path).toBe("models.0.endpoints.1.price.prompt")
  })

  it("rejects an endpoint naming an unknown provider", () => {
    const bad = structuredClone(config)
    bad.models[0]!.endpoints[0]!.provider = "nope"
    const r = decodeCatalog(bad)
    expect(Result.isFailure(r)).toBe(true)
    if (Result.isFailure(r)) {
      expect(r.failure.path).toBe("models.0.endpoints.0.provider")
      expect(r.failure.message).toContain('unknown provider "nope"')
    }
  })

  it("resolves aliases and model fallbacks in order, skipping unknown fallbacks", () => {
    const catalog = Result.getOrThrow(decodeCatalog(config))
    const r = resolveModels(catalog, ["gemini-pro", "nope", "google/gemini-2.5-pro-preview"])
    expect(Result.getOrThrow(r).map((m) => m.id)).toEqual(["google/gemini-2.5-pro-preview"])
  })

  it("fails with ModelNotFound for an unknown model", () => {
    const catalog = Result.getOrThrow(decodeCatalog(config))
    const r = resolveModels(catalog, ["gpt-9"])
    expect(Result.isFailure(r)).toBe(true)
    if (Result.isFailure(r)) {
      expect(r.failure._tag).toBe("ModelNotFound")
      expect(r.failure.message).toContain("gpt-9")
    }
  })
})
