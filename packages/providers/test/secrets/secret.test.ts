import { Effect, Redacted, Schema } from "effect"
import { describe, expect, it } from "vitest"
import { resolveSecret, SecretInput } from "../../src/secrets/secret.js"
import { failureOf, successOf } from "../conformance/run.js"

describe("SecretInput / resolveSecret", () => {
  it("accepts a literal or an env reference, and nothing else", () => {
    const decode = Schema.decodeUnknownExit(SecretInput)
    expect(decode("k")._tag).toBe("Success")
    expect(decode({ env: "OPENAI_API_KEY" })._tag).toBe("Success")
    expect(decode({ value: "k" })._tag).toBe("Failure")
    expect(decode("")._tag).toBe("Failure")
  })

  it("reads the env variable into a Redacted value that does not print", async () => {
    const secret = successOf(await Effect.runPromiseExit(resolveSecret({ env: "KEY" }, { KEY: "s3cr3t" }, "apiKey")))
    expect(Redacted.value(secret)).toBe("s3cr3t")
    expect(String(secret)).not.toContain("s3cr3t")
    expect(JSON.stringify({ secret })).not.toContain("s3cr3t")
  })

  it("fails with ConfigInvalid naming the variable when it is unset or empty", async () => {
    for (const env of [{}, { KEY: "" }]) {
      const e = failureOf(await Effect.runPromiseExit(resolveSecret({ env: "KEY" }, env, "apiKey")))
      expect(e).toMatchObject({ _tag: "ConfigInvalid", path: "apiKey" })
      expect(e.message).toContain("KEY")
    }
  })
})
