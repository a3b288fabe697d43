import { describe, expect, it } from "vitest"
import { classifyTransportError, transportErrorDetail } from "../../src/errors/classify-transport.js"
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
    expect(classifyTransportError("prov", cause)).toMatchObject({ provider: "prov", status: 0, ...expected })
  })

  it.each<[string, unknown, string]>([
    ["refused", err("ECONNREFUSED", "connect ECONNREFUSED 127.0.0.1:9199"), "connect failed (ECONNREFUSED)"],
    ["DNS", err("ENOTFOUND", "getaddrinfo ENOTFOUND internal-llm.corp.invalid"), "connect failed (ENOTFOUND)"],
    [
      "connect timeout",
      err(
        "UND_ERR_CONNECT_TIMEOUT",
        "Connect Timeout Error (attempted address: internal-llm.corp:443, timeout: 10000ms)",
      ),
      "connect timeout (UND_ERR_CONNECT_TIMEOUT)",
    ],
    [
      "TLS name mismatch",
      err(
        "ERR_TLS_CERT_ALTNAME_INVALID",
        "Hostname/IP does not match certificate's altnames: Host: llm.corp. is not in the cert's altnames",
      ),
      "connect failed (ERR_TLS_CERT_ALTNAME_INVALID)",
    ],
    ["a code that is not an identifier", err("10.0.0.7:443"), "connection reset (unknown)"],
  ])("the client-visible message of %s names the failure and its code only", (_name, cause, message) => {
    expect(classifyTransportError("prov", cause).message).toBe(message)
  })

  it("the log detail keeps hosts and ports (the whole cause chain) but never a secret", () => {
    const cause = Object.assign(new Error("fetch failed"), {
      cause: err("ECONNRESET", "reset while sending sekret-value-1 to 10.0.0.7:443"),
    })
    const detail = transportErrorDetail(cause, redact)
    expect(detail).toContain("10.0.0.7:443")
    expect(detail).toContain("fetch failed")
    expect(detail).not.toContain("sekret-value-1")
  })
})
