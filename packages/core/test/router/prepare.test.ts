/** `prepare`: an empty `model` is a missing one (the same 400 the gateway answers before the router). */
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
})
