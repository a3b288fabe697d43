import { makeRedactor, redactGeneric } from "@switchyard/core"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { SseDecoder } from "../../src/sse/decoder.js"
import { decodeSseJson, isDone, type SseMessage } from "../../src/sse/sse.js"
import { failureOf } from "../conformance/run.js"

const bytes = (s: string) => new TextEncoder().encode(s)

/** The body's chunks through the decoder the transport's SSE exchange uses, then the end of the body. */
const parse = async (parts: ReadonlyArray<string | Uint8Array>): Promise<ReadonlyArray<SseMessage>> => {
  const decoder = new SseDecoder()
  const out: Array<SseMessage> = []
  for (const p of parts) {
    decoder.feed(typeof p === "string" ? bytes(p) : p)
    out.push(...(decoder.take() ?? []))
  }
  decoder.end()
  out.push(...(decoder.take() ?? []))
  return out
}

describe("SSE framing (SseDecoder)", () => {
  it("yields one message per blank-line-terminated frame", async () => {
    expect(await parse(['data: {"a":1}\n\n', 'data: {"a":2}\n\n'])).toEqual([
      { event: undefined, data: '{"a":1}' },
      { event: undefined, data: '{"a":2}' },
    ])
  })

  it("reassembles frames split across chunks at any byte", async () => {
    const text = 'event: message_start\ndata: {"type":"message_start"}\n\ndata: {"x":"y"}\n\n'
    for (let cut = 1; cut < text.length; cut++) {
      expect(await parse([text.slice(0, cut), text.slice(cut)])).toEqual([
        { event: "message_start", data: '{"type":"message_start"}' },
        { event: undefined, data: '{"x":"y"}' },
      ])
    }
  })

  it("decodes a multi-byte UTF-8 character split between chunks", async () => {
    const all = bytes('data: {"t":"Grüße €"}\n\n')
    const cut = all.indexOf(0xe2) + 1 // inside the 3-byte euro sign
    expect(await parse([all.slice(0, cut), all.slice(cut)])).toEqual([{ event: undefined, data: '{"t":"Grüße €"}' }])
  })

  it("ignores comments and keep-alives", async () => {
    expect(await parse([": keep-alive\n\n", ":OPENROUTER PROCESSING\n\n", "data: 1\n\n", ": ping\n\n"])).toEqual([
      { event: undefined, data: "1" },
    ])
  })

  it("handles CRLF and CR line endings (Gemini separates events with \\r\\n\\r\\n)", async () => {
    expect(await parse(['data: {"a":1}\r\n\r\ndata: {"b":2}\r\n\r\n', "data: 3\r\rdata: 4\n\n"])).toEqual([
      { event: undefined, data: '{"a":1}' },
      { event: undefined, data: '{"b":2}' },
      { event: undefined, data: "3" },
      { event: undefined, data: "4" },
    ])
  })

  it("joins multi-line data with newlines", async () => {
    expect(await parse(["data: line one\ndata: line two\ndata:\n\n"])).toEqual([
      { event: undefined, data: "line one\nline two\n" },
    ])
  })

  it("passes [DONE] through as a message that isDone recognises", async () => {
    const out = await parse(['data: {"a":1}\n\n', "data: [DONE]\n\n"])
    expect(out.map(isDone)).toEqual([false, true])
  })

  it("drops a final frame that the body cut before its blank line", async () => {
    expect(await parse(['data: {"a":1}\n\n', 'data: {"b":'])).toEqual([{ event: undefined, data: '{"a":1}' }])
  })
})

describe("decodeSseJson", () => {
  it("parses JSON objects, including Anthropic's space-padded ones", async () => {
    const v = await Effect.runPromise(
      decodeSseJson("p", { event: "message_stop", data: '{"type":"message_stop"    }' }, redactGeneric),
    )
    expect(v).toEqual({ type: "message_stop" })
  })

  it("quotes a bad event's data masked before it is cut: a secret at the cut is masked whole", async () => {
    const key = "zzUpKeyTopSecret4471"
    const redact = makeRedactor([key])
    const data = `${"X".repeat(101)}${key} trailing`
    const exit = await Effect.runPromiseExit(decodeSseJson("prov", { event: undefined, data }, redact))
    const message = (failureOf(exit) as { message: string }).message
    expect(message).not.toContain("zzUpKey")
    expect(message).toContain(`${"X".repeat(101)}[REDACTED]`)
  })

  it("fails with MalformedResponse on invalid JSON or a non-object", async () => {
    for (const data of ['{"a":', "[1,2]", "42"]) {
      const exit = await Effect.runPromiseExit(decodeSseJson("prov", { event: undefined, data }, redactGeneric))
      expect(failureOf(exit)).toMatchObject({ _tag: "MalformedResponse", provider: "prov", status: 200 })
    }
  })
})
