import fc from "fast-check"
import { describe, expect, it } from "vitest"
import type { Endpoint } from "../../src/index.js"
import { emptyUsage, relayableCompletion, relayedChatResult, usageFromOpenAi } from "../../src/index.js"
import { costBreakdown, decorateCompletion } from "../../src/router/cost.js"
import { decoratedText } from "../../src/router/decorated-text.js"
import { catalogOf } from "./support.js"

const catalog = catalogOf({
  providers: [{ slug: "oai", kind: "openai-compatible" }],
  models: [
    {
      id: "team/m",
      endpoints: [{ provider: "oai", price: { prompt: 2, completion: 8, cacheRead: 0.5 }, contextLength: 1_000 }],
    },
  ],
})
const endpoint = catalog.endpointsById.get("team/m@oai") as Endpoint

/** The body the parse path sends: the upstream's parsed, decorated, serialised. */
const parsePath = (text: string): string => {
  const body = JSON.parse(text) as Record<string, unknown>
  const usage = usageFromOpenAi(body.usage) ?? emptyUsage
  return JSON.stringify(decorateCompletion(body, endpoint, usage, costBreakdown(endpoint, usage)))
}

const member = fc.oneof(
  fc.tuple(fc.constant("model"), fc.jsonValue({ maxDepth: 1 })),
  fc.tuple(fc.constant("choices"), fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 2 })),
  fc.tuple(
    fc.constant("usage"),
    fc.oneof(
      fc.constant(null),
      fc.record(
        {
          prompt_tokens: fc.nat(1_000_000),
          completion_tokens: fc.nat(1_000_000),
          total_tokens: fc.nat(),
          prompt_tokens_details: fc.record({ cached_tokens: fc.nat(1_000) }),
          cost: fc.double({ noNaN: true, noDefaultInfinity: true }),
        },
        { requiredKeys: [] },
      ),
    ),
  ),
  fc.tuple(fc.constantFrom("id", "object", "created", "system_fingerprint", "upstream_provider", "x"), fc.jsonValue()),
)

describe("decoratedText", () => {
  it("is byte for byte the body the parse path sends, for every relayable completion", () => {
    let relayed = 0
    fc.assert(
      fc.property(fc.array(member, { maxLength: 8 }), (members) => {
        const text = JSON.stringify(Object.fromEntries(members))
        const relay = relayableCompletion(text)
        if (relay === undefined) return
        relayed++
        const chat = relayedChatResult(relay, "req-1", {})
        expect(chat.body).toEqual(JSON.parse(text))
        expect(chat.usage).toEqual(usageFromOpenAi(JSON.parse(text).usage) ?? emptyUsage)
        expect(decoratedText(relay, endpoint, chat.usage, costBreakdown(endpoint, chat.usage))).toBe(parsePath(text))
      }),
      { numRuns: 1000 },
    )
    expect(relayed).toBeGreaterThan(200)
  })

  it("relays only a canonical completion with `choices` and without `error` or `provider`", () => {
    expect(relayableCompletion('{"id":"c","choices":[]}')).toBeDefined()
    expect(relayableCompletion('{"id":"c","choices":{}}')).toBeUndefined()
    expect(relayableCompletion('{"id":"c"}')).toBeUndefined()
    expect(relayableCompletion('{"choices":[],"error":{"message":"no"}}')).toBeUndefined()
    expect(relayableCompletion('{"choices":[],"provider":"Together"}')).toBeUndefined()
    expect(relayableCompletion('{"choices": []}')).toBeUndefined()
  })
})
