/**
 * The capacity meter counts what the provider's limiter counts. OpenAI and Azure charge prompt + `max_tokens`
 * when they admit a request, whatever the answer then uses; a meter that settled to the reported usage
 * (17 tokens where the provider counted ≈ 110) let one gateway cause 43 upstream 429s out of 188 requests on a
 * 12,000 TPM upstream. With `capacity.counts` (default by provider kind: `prompt+max_tokens` for
 * openai-compatible and azure-openai) the gateway refuses the excess itself (429, origin `gateway`) and the
 * upstream never has to.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startFaultUpstream } from "../support/fault-upstream.js"
import { type Stack, startStack } from "../support/stack.js"

const TPM = 12_000
let upstream: Awaited<ReturnType<typeof startFaultUpstream>>

beforeAll(async () => {
  upstream = await startFaultUpstream()
})
afterAll(() => upstream.close())

const stackCounting = (counts: "usage" | "prompt+max_tokens" | undefined, upstreamModel: string) =>
  startStack({
    providers: [{ slug: "openai", kind: "openai-compatible", options: { baseUrl: upstream.baseUrl } }],
    models: [
      {
        id: "test/metered",
        endpoints: [
          {
            provider: "openai",
            upstreamModel,
            price: { prompt: 1, completion: 1 },
            contextLength: 100_000,
            capacity: counts === undefined ? { tokensPerMinute: TPM } : { tokensPerMinute: TPM, counts },
          },
        ],
      },
    ],
  })

/**
 * A prompt the gateway estimates at more than the 10 tokens the upstream counts (the estimate errs on the safe side).
 */
const SAFE_PROMPT = "Say hello in one short sentence, please."

/** One request of `content` and max_tokens 100: its status and the origin of a 429. */
const send = async (stack: Stack, content: string) => {
  const r = await fetch(`${stack.url}/v1/chat/completions`, {
    method: "POST",
    body: JSON.stringify({ model: "test/metered", max_tokens: 100, messages: [{ role: "user", content }] }),
  })
  await r.arrayBuffer()
  return { status: r.status, origin: r.headers.get("x-switchyard-ratelimit-origin") }
}

/** 188 requests, `concurrency` at a time. */
const burst = async (stack: Stack, content = SAFE_PROMPT, concurrency = 8) => {
  const out: Array<{ status: number; origin: string | null }> = []
  for (let i = 0; i < 188; i += concurrency)
    out.push(...(await Promise.all(Array.from({ length: Math.min(concurrency, 188 - i) }, () => send(stack, content)))))
  return out
}

describe("a provider that counts prompt + max_tokens at admission", () => {
  it("counts: usage (the old meter) lets the gateway send requests the upstream refuses", async () => {
    const stack = await stackCounting("usage", `metered-${TPM}-usage`)
    try {
      await burst(stack)
      expect(upstream.meteredLimited(`metered-${TPM}-usage`)).toBeGreaterThan(0)
    } finally {
      await stack.close()
    }
  })

  it("the openai-compatible default (prompt+max_tokens): the excess is refused by the gateway, the upstream sees no 429", async () => {
    const stack = await stackCounting(undefined, `metered-${TPM}-default`)
    try {
      const answers = await burst(stack)
      const served = answers.filter((a) => a.status === 200).length
      const refused = answers.filter((a) => a.status === 429)
      expect(served).toBeGreaterThan(0)
      expect(refused.length).toBeGreaterThan(0)
      expect(refused.every((a) => a.origin === "gateway")).toBe(true)
      expect(upstream.meteredLimited(`metered-${TPM}-default`)).toBe(0)
    } finally {
      await stack.close()
    }
  })

  // 188 at once, all in flight together (the upstream answers after 300 ms): 114 fit the gateway's meter at its
  // estimate (5 + 100 each), 12,540 tokens as the upstream counts them — unless the meter learnt the upstream's count
  it("a prompt the gateway under-estimates (5 tokens; the provider counts 10): the meter learns the provider's count from the usage, the upstream sees no 429 in a burst", async () => {
    const stack = await stackCounting(undefined, `metered-${TPM}-slow-learnt`)
    try {
      expect((await send(stack, "hi")).status).toBe(200)
      const answers = await burst(stack, "hi", 188)
      expect(answers.filter((a) => a.status === 200).length).toBeGreaterThan(0)
      expect(answers.filter((a) => a.status === 429).every((a) => a.origin === "gateway")).toBe(true)
      expect(upstream.meteredLimited(`metered-${TPM}-slow-learnt`)).toBe(0)
    } finally {
      await stack.close()
    }
  })
})
