/**
 * `prepare`: an empty `model` is a missing one (the same 400 the gateway answers before the router), and
 * a request's `provider: {field: null}` never overrides a key's or the model's default.
 */
import { Result } from "effect"
import { describe, expect, it } from "vitest"
import { prepare } from "../../src/index.js"
import { catalogOf, chat, requestOf, standard } from "./support.js"

const catalog = catalogOf({
  providers: [{ slug: "a", kind: "fake" }],
  models: [{ id: "gemini", defaults: { provider: { sort: "latency", only: ["a"] } }, endpoints: [standard("a")] }],
})

describe("prepare", () => {
  it.each([
    ["an empty model", { model: "" }],
    ["an empty model and an empty models list", { model: "", models: [] }],
    ["no model", { model: undefined }],
  ])("%s → 400 missing_required_parameter on param model", (_name, fields) => {
    const body = chat()
    delete body.model
    const r = prepare(catalog, requestOf({ ...body, ...(fields.model === undefined ? {} : fields) }))
    expect(Result.isFailure(r)).toBe(true)
    if (Result.isSuccess(r)) return
    expect(r.failure).toMatchObject({
      _tag: "InvalidRequest",
      code: "missing_required_parameter",
      param: "model",
      message: "Request must name a model: set `model` (or a non-empty `models` list)",
    })
  })

  it("an empty model with a models list routes to the list", () => {
    const r = prepare(catalog, requestOf(chat({ model: "", models: ["gemini"] })))
    expect(Result.isSuccess(r) && r.success.requestedModels).toEqual(["gemini"])
  })

  it("null provider fields leave the key's and the model's defaults in place", () => {
    const r = prepare(
      catalog,
      requestOf(chat({ provider: { sort: null, only: null, allow_fallbacks: null, order: null } }), {
        keyDefaults: { provider: { allow_fallbacks: false } },
      }),
    )
    if (Result.isFailure(r)) throw r.failure
    const p = r.success.planRequest.provider
    expect(p).toMatchObject({ sort: "latency", only: ["a"], allow_fallbacks: false })
    expect(Object.values(p)).not.toContain(null)
  })
})
