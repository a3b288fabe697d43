import { describe, expect, it } from "vitest"
import { classifyTransportError } from "../../src/errors/classify-transport.js"
import { makeRedactor } from "../../src/errors/redact.js"

const redact = makeRedactor(["sekret-value-1"])
const err = (code: string, message = code) => Object.assign(new Error(message), { code })

describe("classifyTransportError", () => {
  it.each<[string, unknown, Record<string, unknown>]>([
    ["undici connect timeout", err("UND_ERR_CONNECT_TIMEOUT"), { _tag: "UpstreamTimeout", phase: "connect" }],
    ["undici headers timeout", err("UND_ERR_HEADERS_TIMEOUT"), { _tag: "UpstreamTimeout", phase: "headers" }],
    ["undici body timeout", err("UND_ERR_BODY_TIMEOUT"), { _tag: "UpstreamTimeout", phase: "body" }],
    ["connection refused", err("ECONNREFUSED"), { _tag: "TransportError", kind: "connect" }],
    ["DNS failure", err("ENOTFOUND"), { _tag: "TransportError", kind: "connect" }],
    [
      "refused inside an AggregateError (happy eyeballs)",
      Object.assign(new AggregateError([err("ECONNREFUSED")]), { code: undefined }),
      { _tag: "TransportError", kind: "connect" },
    ],
    ["socket reset", err("ECONNRESET"), { _tag: "TransportError", kind: "reset" }],
    [
      "undici 'other side closed'",
      err("UND_ERR_SOCKET", "other side closed"),
      { _tag: "TransportError", kind: "reset" },
    ],
    ["content-length mismatch", err("UND_ERR_RES_CONTENT_LENGTH_MISMATCH"), { _tag: "TransportError", kind: "reset" }],
    [
      "cause chain",
      Object.assign(new Error("fetch failed"), { cause: err("ECONNREFUSED") }),
      { _tag: "TransportError", kind: "connect" },
    ],
    ["unknown error", "weird", { _tag: "TransportError", kind: "reset" }],
  ])("%s", (_name, cause, expected) => {
    expect(classifyTransportError("prov", cause, redact)).toMatchObject({ provider: "prov", status: 0, ...expected })
  })

  it("never repeats a secret found in the network error message", () => {
    const e = classifyTransportError("prov", err("ECONNRESET", "reset while sending sekret-value-1"), redact)
    expect(e.message).not.toContain("sekret-value-1")
  })
})
