import { describe, expect, it } from "vitest"
import { configuredSecrets } from "../../src/config/secrets.js"

describe("configuredSecrets: what the gateway masks in upstream text", () => {
  const providers = [
    {
      slug: "a",
      kind: "openai-compatible",
      options: {
        baseUrl: "https://internal-llm.corp:8443/v1",
        apiKey: { env: "A_KEY" },
        headers: { "OpenAI-Organization": "org-private-1234" },
      },
    },
    { slug: "b", kind: "anthropic", options: { apiKey: "sk-ant-literal-999999", version: "2023-06-01" } },
    { slug: "c", kind: "google-vertex", options: { project: "p", location: "us", accessToken: { env: "C_TOKEN" } } },
    { slug: "sim", kind: "simulated", options: { latency: 5, outputTokens: { type: "constant", value: 4 } } },
  ]
  const secrets = configuredSecrets(
    providers,
    [{ name: "k", key: "sk-gateway-key-1" }],
    {
      A_KEY: "sk-from-env-abcdef",
      C_TOKEN: "ya29.token-value",
    },
    ["redis://:redis-password-7@cache.internal:6379/0"],
  )

  it("holds every env secret, literal credential, header value, upstream host, gateway key and the Redis URL's parts", () => {
    expect(secrets).toEqual(
      expect.arrayContaining([
        "sk-from-env-abcdef",
        "ya29.token-value",
        "sk-ant-literal-999999",
        "org-private-1234",
        "internal-llm.corp:8443",
        "internal-llm.corp",
        "sk-gateway-key-1",
        "redis-password-7",
        "cache.internal:6379",
      ]),
    )
  })

  it("leaves ordinary option values alone", () => {
    for (const plain of ["2023-06-01", "p", "us", "constant", "openai-compatible"]) expect(secrets).not.toContain(plain)
  })
})
