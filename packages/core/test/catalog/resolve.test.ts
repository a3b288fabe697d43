/** `resolveModels`: an unknown model's error is bounded whatever the request sent (names are client input). */
import { Result } from "effect"
import { describe, expect, it } from "vitest"
import { resolveModels } from "../../src/catalog/resolve.js"
import { decodeCatalog } from "../../src/index.js"

const catalog = Result.getOrThrow(
  decodeCatalog({
    providers: [{ slug: "p", kind: "fake" }],
    models: [{ id: "known", endpoints: [{ provider: "p", price: { prompt: 1, completion: 2 }, contextLength: 1000 }] }],
  }),
)

const failure = (requested: ReadonlyArray<string>) => {
  const r = resolveModels(catalog, requested)
  if (Result.isSuccess(r)) throw new Error("resolved")
  return r.failure
}

describe("resolveModels: unknown names", () => {
  it("names a short unknown model in full", () => {
    expect(failure(["nope"]).message).toBe("The model 'nope' does not exist in this gateway's catalog")
    expect(failure(["a", "b"]).message).toBe("None of the models 'a', 'b' exist in this gateway's catalog")
  })

  it("cuts a 1 MB name to 200 characters", () => {
    const e = failure(["x".repeat(1_000_000)])
    expect(e.message).toBe(`The model '${"x".repeat(200)}…' does not exist in this gateway's catalog`)
    expect(e.model).toBe("x".repeat(200))
  })

  it("lists the first 5 of 200,000 unknown names, then how many more", () => {
    const names = Array.from({ length: 200_000 }, (_, i) => `m${i}`)
    const e = failure(names)
    expect(e.message).toBe(
      "None of the models 'm0', 'm1', 'm2', 'm3', 'm4' and 199995 more exist in this gateway's catalog",
    )
  })

  it("cuts each listed name", () => {
    const e = failure(["y".repeat(10_000), "z".repeat(10_000)])
    expect(e.message.length).toBeLessThan(500)
  })

  it("a known fallback still resolves", () => {
    expect(Result.isSuccess(resolveModels(catalog, ["nope", "known"]))).toBe(true)
  })
})
