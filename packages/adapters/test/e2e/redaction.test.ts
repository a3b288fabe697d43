/**
 * Nothing an upstream echoes reaches a client: an upstream that returns the credentials it received in
 * every field of its error bodies (JSON and plain text), in its headers and in a mid-stream error event
 * — for each status the gateway relays — never gets them to the client (body, headers, trace, in-band
 * stream errors) or to the gateway's log; nor do the network addresses it names in its error texts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { INTERNAL_ADDRESSES, maskedLikeOpenAi, startFaultUpstream } from "../support/fault-upstream.js"
import { type Stack, startStack } from "../support/stack.js"

const UPSTREAM_KEY = "sk-upstream-0123456789abcdefdddd"
const TENANT_TOKEN = "tenant-token-5f3a9c71"
const GATEWAY_KEY = "sk-gateway-redaction-test"
const FAULTS = [
  "echo-400",
  "echo-401",
  "echo-403",
  "echo-404",
  "echo-413",
  "echo-422",
  "echo-429",
  "echo-500",
  "echo-503",
  "echo-529",
  "echo-text-400",
  "echo-text-502",
  "echo-stream",
  "echo-ok",
]

let upstream: Awaited<ReturnType<typeof startFaultUpstream>>
let stack: Stack
const logged: Array<string> = []

beforeAll(async () => {
  upstream = await startFaultUpstream()
  stack = await startStack(
    {
      providers: [
        {
          slug: "leaky",
          kind: "openai-compatible",
          options: {
            baseUrl: upstream.baseUrl,
            apiKey: { env: "LEAKY_KEY" },
            headers: { "x-tenant-token": TENANT_TOKEN },
          },
        },
      ],
      models: FAULTS.map((fault) => ({
        id: `test/${fault}`,
        endpoints: [
          { provider: "leaky", upstreamModel: fault, price: { prompt: 1, completion: 1 }, contextLength: 10_000 },
        ],
      })),
      routing: { maxRetrySleepMs: 0 },
      gateway: { keys: [{ name: "tests", key: GATEWAY_KEY }] },
    },
    { env: { LEAKY_KEY: UPSTREAM_KEY }, logSink: (text) => logged.push(text) },
  )
})
afterAll(async () => {
  await stack.close()
  await upstream.close()
})

/** Everything the client received: status line, every header, the whole body. */
const exchange = async (model: string, stream: boolean): Promise<string> => {
  const r = await fetch(`${stack.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${GATEWAY_KEY}`, "x-switchyard-trace": "true" },
    body: JSON.stringify({ model, stream, messages: [{ role: "user", content: "hi" }] }),
  })
  const headers: Array<string> = []
  r.headers.forEach((v, k) => {
    headers.push(`${k}: ${v}`)
  })
  return `${r.status}\n${headers.join("\n")}\n\n${await r.text()}`
}

/** No address the upstream named (its own, internal ones) reaches the client. */
const expectNoAddress = (text: string): void => {
  for (const address of ["10.20.30.40", "internal-lb.corp.example:8443", "localhost:19150"]) {
    expect(INTERNAL_ADDRESSES).toContain(address)
    expect(text).not.toContain(address)
  }
}

const expectNoCredential = (text: string): void => {
  expect(text).not.toContain(UPSTREAM_KEY)
  expect(text).not.toContain(TENANT_TOKEN)
  expect(text).not.toContain(maskedLikeOpenAi(UPSTREAM_KEY))
  expect(text).not.toContain("****")
  expect(text).not.toContain(GATEWAY_KEY)
}

describe("an upstream that echoes its credentials everywhere it can", () => {
  it.each(
    FAULTS.flatMap((fault) =>
      fault === "echo-stream" ? [[fault, true] as const] : [[fault, false] as const, [fault, true] as const],
    ),
  )("%s (stream: %s): the client gets its answer or its failure, never a credential", async (fault, stream) => {
    const text = await exchange(`test/${fault}`, stream)
    expectNoCredential(text)
    expectNoAddress(text)
    // the failure itself (or the upstream's request id, on a success) still reaches the client, redacted
    expect(text).toContain("[REDACTED]")
    expect(text).not.toContain(upstream.baseUrl.replace(/^http:\/\//, "").replace(/\/v1$/, ""))
  })

  it("the gateway's log lines never carry a credential either", () => {
    for (const line of logged) expectNoCredential(line)
  })
})
