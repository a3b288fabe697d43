import { readFileSync } from "node:fs"
import type { APIGatewayProxyEventV2, LambdaFunctionURLEvent } from "aws-lambda"
import { afterAll, afterEach, describe, expect, it, vi } from "vitest"
import { createGateway } from "../../src/index.js"
import { createLambdaHandler, createLambdaStreamingHandler } from "../../src/lambda/index.js"
import { sseEvents } from "../support/call.js"
import { surfaceRuntime } from "../support/surface-router.js"
import { captureStream, type StreamCapture, stubAwsLambda } from "./stub-runtime.js"

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8"))
const apiGatewayEvent = fixture("api-gateway-v2.json") as APIGatewayProxyEventV2
const functionUrlEvent = fixture("function-url.json") as LambdaFunctionURLEvent

const { runtime, probe } = surfaceRuntime()
const gateway = createGateway({
  runtime,
  keys: [{ name: "lambda", key: "sk-lambda" }],
  maxBodyBytes: 1024,
})
afterAll(() => runtime.dispose())
afterEach(() => {
  vi.unstubAllGlobals()
})

const context = { getRemainingTimeInMillis: () => 30_000 }

describe("buffered Lambda handler", () => {
  const handler = createLambdaHandler(gateway)

  it("API Gateway v2 event: strips the stage from the path, answers the completion", async () => {
    const r = await handler(apiGatewayEvent, context)
    expect(r.statusCode).toBe(200)
    expect(r.isBase64Encoded).toBe(false)
    expect(r.headers["x-switchyard-provider"]).toBe("cheap")
    expect(JSON.parse(r.body).choices[0].message.content).toBe("Hello!")
  })

  it("Function URL event with a base64 body and stream: true: the SSE is collected whole", async () => {
    const r = await handler(functionUrlEvent, context)
    expect(r.statusCode).toBe(200)
    expect(r.headers["content-type"]).toBe("text/event-stream; charset=utf-8")
    expect(sseEvents(r.body).at(-1)).toBe("[DONE]")
  })

  it("maps errors to the envelope (401 without key, 404 unknown path, 413 body over the limit)", async () => {
    const { authorization: _drop, ...noAuth } = apiGatewayEvent.headers
    const unauth = await handler({ ...apiGatewayEvent, headers: noAuth }, context)
    expect(unauth.statusCode).toBe(401)
    expect(JSON.parse(unauth.body).error.code).toBe("invalid_api_key")
    const missing = await handler({ ...apiGatewayEvent, rawPath: "/prod/v9/nothing" }, context)
    expect(missing.statusCode).toBe(404)
    const before = probe.requests.length
    const big = await handler({ ...apiGatewayEvent, body: JSON.stringify({ pad: "x".repeat(2000) }) }, context)
    expect(big.statusCode).toBe(413)
    expect(JSON.parse(big.body).error.code).toBe("request_too_large")
    expect(probe.requests.length).toBe(before)
  })

  it("aborts the route shortly before the Lambda's own deadline", async () => {
    const body = JSON.stringify({ model: "hang", messages: [{ role: "user", content: "x" }] })
    const r = await handler(
      { ...apiGatewayEvent, headers: { ...apiGatewayEvent.headers, "x-request-id": "lambda-deadline" }, body },
      { getRemainingTimeInMillis: () => 1100 },
    )
    expect(r.statusCode).toBe(499)
    expect(probe.interrupted).toContain("lambda-deadline")
  })
})

describe("response-streaming Lambda handler (stubbed awslambda runtime)", () => {
  it("throws a clear error outside the Lambda runtime", () => {
    expect(() => createLambdaStreamingHandler(gateway)).toThrow(/awslambda/)
  })

  it("writes the HTTP prelude, then each SSE frame, then ends the stream", async () => {
    const captures: Array<StreamCapture> = []
    vi.stubGlobal("awslambda", stubAwsLambda(captures))
    const handler = createLambdaStreamingHandler(gateway)
    const { stream, capture } = captureStream()
    captures.push(capture)
    await handler(functionUrlEvent, stream, context)
    expect(capture.prelude?.statusCode).toBe(200)
    expect(capture.prelude?.headers?.["content-type"]).toBe("text/event-stream; charset=utf-8")
    // the router's batch of chunks, then [DONE]
    expect(capture.chunks.length).toBeGreaterThanOrEqual(2)
    expect(capture.chunks.every((c) => c.startsWith("data: "))).toBe(true)
    expect(sseEvents(capture.chunks.join("")).at(-1)).toBe("[DONE]")
    expect(capture.ended).toBe(true)
  })

  it("a JSON answer (and an error) goes through the same prelude", async () => {
    const captures: Array<StreamCapture> = []
    vi.stubGlobal("awslambda", stubAwsLambda(captures))
    const handler = createLambdaStreamingHandler(gateway)
    const ok = captureStream()
    captures.push(ok.capture)
    await handler(apiGatewayEvent, ok.stream, context)
    expect(ok.capture.prelude?.statusCode).toBe(200)
    expect(JSON.parse(ok.capture.chunks.join("")).choices[0].message.content).toBe("Hello!")
    const limited = captureStream()
    captures.push(limited.capture)
    const body = JSON.stringify({ model: "rate-limited", messages: [{ role: "user", content: "x" }] })
    await handler({ ...apiGatewayEvent, body }, limited.stream, context)
    expect(limited.capture.prelude?.statusCode).toBe(429)
    expect(limited.capture.prelude?.headers?.["retry-after-ms"]).toBe("1500")
    expect(limited.capture.ended).toBe(true)
  })

  it("a response stream closed by the client interrupts the route", async () => {
    const captures: Array<StreamCapture> = []
    vi.stubGlobal("awslambda", stubAwsLambda(captures))
    const handler = createLambdaStreamingHandler(gateway)
    const { stream, capture } = captureStream()
    captures.push(capture)
    const body = JSON.stringify({ model: "endless", stream: true, messages: [{ role: "user", content: "x" }] })
    const done = handler(
      {
        ...functionUrlEvent,
        isBase64Encoded: false,
        body,
        headers: { ...functionUrlEvent.headers, "x-request-id": "lambda-close" },
      },
      stream,
      context,
    )
    await vi.waitFor(() => expect(probe.hanging).toContain("lambda-close"))
    stream.destroy()
    await done
    expect(probe.interrupted).toContain("lambda-close")
    expect(capture.chunks.join("")).toContain("tick")
  })
})
