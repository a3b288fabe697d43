/**
 * The hot-path reading of the routing fields must agree with the Schema decoder (the source of truth):
 * same verdict on every body, same values for everything routing reads, same error when it rejects.
 */
import { type JsonObject, RoutingRequest, requestDecoderSync } from "@switchyard/core"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { decodeRoutingFields } from "../../src/handler/routing-fields.js"

const schema = requestDecoderSync(RoutingRequest)

/** Values that are right, wrong, or borderline for the routing fields. */
const anyValue = fc.oneof(
  fc.string(),
  fc.constantFrom("system", "developer", "user", "assistant", "tool", "robot", ""),
  fc.integer({ min: -3, max: 5_000 }),
  fc.integer({ min: -3, max: 3 }),
  fc.constantFrom(0, 1.5, -0, Number.MAX_SAFE_INTEGER, 2 ** 60, 1e21),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string(), fc.string(), { maxKeys: 2 }),
)

const message = fc.oneof(
  fc.record(
    {
      role: fc.oneof(fc.constantFrom("system", "developer", "user", "assistant", "tool"), anyValue),
      content: anyValue,
    },
    { requiredKeys: [] },
  ),
  anyValue,
)

/** A body routing accepts. */
const validBody: fc.Arbitrary<JsonObject> = fc.record(
  {
    model: fc.string(),
    models: fc.array(fc.string(), { maxLength: 3 }),
    messages: fc.array(
      fc.record({ role: fc.constantFrom("system", "developer", "user", "assistant", "tool"), content: fc.string() }),
      { minLength: 1, maxLength: 3 },
    ),
    stream: fc.option(fc.boolean(), { nil: null }),
    max_tokens: fc.option(fc.nat(), { nil: null }),
    max_completion_tokens: fc.option(fc.nat(), { nil: null }),
    tools: fc.array(fc.dictionary(fc.string(), fc.string(), { maxKeys: 2 }), { maxLength: 2 }),
    tool_choice: anyValue,
    response_format: anyValue,
    temperature: anyValue,
  },
  { requiredKeys: ["messages"] },
)

/** A valid body with one field set to anything (often invalid). */
const nearlyValid: fc.Arbitrary<JsonObject> = fc
  .tuple(
    validBody,
    fc.constantFrom(
      "model",
      "models",
      "messages",
      "stream",
      "max_tokens",
      "max_completion_tokens",
      "tools",
      "provider",
    ),
    fc.oneof(anyValue, fc.array(message, { maxLength: 3 })),
  )
  .map(([b, key, value]) => ({ ...b, [key]: value }))

const randomBody: fc.Arbitrary<JsonObject> = fc.record(
  {
    model: anyValue,
    models: fc.oneof(fc.array(fc.string(), { maxLength: 3 }), anyValue),
    messages: fc.oneof(fc.array(message, { maxLength: 4 }), anyValue),
    stream: anyValue,
    max_tokens: anyValue,
    max_completion_tokens: anyValue,
    tools: anyValue,
    tool_choice: anyValue,
    response_format: anyValue,
    provider: fc.oneof(fc.constant({ sort: "price" }), anyValue),
    temperature: anyValue,
  },
  { requiredKeys: [] },
)

/** The fields routing reads from the decoded value. */
const used = (v: RoutingRequest) => ({
  model: v.model,
  models: v.models,
  stream: v.stream,
  max_tokens: v.max_tokens,
  max_completion_tokens: v.max_completion_tokens,
  tools: v.tools,
  tool_choice: v.tool_choice,
  response_format: v.response_format,
  provider: v.provider,
  roles: v.messages.map((m) => m.role),
})

describe("decodeRoutingFields", () => {
  it("agrees with the Schema decoder on every body: verdict, values and error", () => {
    fc.assert(
      fc.property(fc.oneof(validBody, nearlyValid, randomBody), (b) => {
        const fast = decodeRoutingFields(b)
        const slow = schema(b)
        expect(fast.ok).toBe(slow.ok)
        if (fast.ok && slow.ok) expect(used(fast.value)).toEqual(used(slow.value))
        if (!fast.ok && !slow.ok) expect(fast.error).toEqual(slow.error)
      }),
      { numRuns: 5_000 },
    )
  })

  it("reads a typical request without changing it", () => {
    const b = {
      model: "vendor/model",
      messages: [{ role: "user", content: "hi" }],
      max_tokens: 32,
      stream: false,
      temperature: 0.2,
    }
    const copy = structuredClone(b)
    const out = decodeRoutingFields(b)
    expect(out.ok && used(out.value)).toMatchObject({ model: "vendor/model", max_tokens: 32, stream: false })
    expect(b).toEqual(copy)
  })
})
