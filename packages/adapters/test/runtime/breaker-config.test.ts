/** `gateway.breaker` in the config file tunes every endpoint's circuit breaker (read at start). */
import { Router } from "@switchyard/core"
import { afterAll, beforeAll, expect, it } from "vitest"
import { startFaultUpstream } from "../support/fault-upstream.js"
import { type Stack, startStack } from "../support/stack.js"

let upstream: Awaited<ReturnType<typeof startFaultUpstream>>
let stack: Stack
beforeAll(async () => {
  upstream = await startFaultUpstream()
  stack = await startStack({
    providers: [{ slug: "loop", kind: "openai-compatible", options: { baseUrl: upstream.baseUrl } }],
    models: [
      {
        id: "test/failing",
        endpoints: [
          { provider: "loop", upstreamModel: "echo-500", price: { prompt: 1, completion: 1 }, contextLength: 1e4 },
        ],
      },
    ],
    routing: { maxAttempts: 1 },
    gateway: { breaker: { failureThreshold: 1, openMs: 60_000 } },
  })
})
afterAll(async () => {
  await stack.close()
  await upstream.close()
})

it("one failure opens the breaker when gateway.breaker.failureThreshold is 1", async () => {
  const r = await fetch(`${stack.url}/v1/chat/completions`, {
    method: "POST",
    body: JSON.stringify({ model: "test/failing", messages: [{ role: "user", content: "hi" }] }),
  })
  expect(r.status).toBe(502)
  const statuses = await stack.runtime.runPromise(Router.use((router) => router.endpointStatus("test/failing")))
  expect(statuses[0]!.breaker).toBe("open")
})
