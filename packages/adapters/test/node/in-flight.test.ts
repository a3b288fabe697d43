import { createServer, request, type ServerResponse } from "node:http"
import { afterEach, describe, expect, it } from "vitest"
import { InFlight } from "../../src/node/in-flight.js"
import { eventually, listen } from "../support/listen.js"

/** A real server whose handler keeps each response for the test; `send()` starts one request (its body, once ended). */
const serverKeeping = async () => {
  const held: Array<ServerResponse> = []
  const { url, close } = await listen(createServer((_req, res) => held.push(res)))
  const send = (): Promise<string> =>
    new Promise((resolve, reject) => {
      const req = request(url, (res) => {
        let text = ""
        res.on("data", (c: Buffer) => {
          text += c.toString()
        })
        res.on("end", () => resolve(text))
        res.on("error", reject)
      })
      req.on("error", reject)
      req.end()
    })
  return { held, send, close }
}

let stop: (() => Promise<void>) | undefined
afterEach(async () => {
  await stop?.()
  stop = undefined
})

describe("InFlight (the responses a Node server drains at shutdown)", () => {
  it("finishes every response still open, with the last finish registered for it, and forgets closed ones", async () => {
    const s = await serverKeeping()
    stop = s.close
    const inFlight = new InFlight()
    const answers = [s.send(), s.send(), s.send()]
    await eventually(() => s.held.length === 3)
    const [a, b, c] = s.held as [ServerResponse, ServerResponse, ServerResponse]
    inFlight.track(a, () => a.end("a: 503"))
    inFlight.track(b, () => b.end("b: 503"))
    inFlight.track(c, () => c.end("c: 503"))
    // b moves on (a stream would register its in-band ending), then a is answered and closes
    inFlight.track(b, () => b.end("b: stream ended in-band"))
    a.end("a: answered")
    await eventually(() => inFlight.size === 2)
    // tracking a closed response again changes nothing
    inFlight.track(a, () => a.end("a: twice"))
    expect(inFlight.size).toBe(2)

    expect(await inFlight.finishAll(1000)).toBe(2)
    expect(inFlight.finishing).toBe(true)
    expect(await Promise.all(answers)).toEqual(["a: answered", "b: stream ended in-band", "c: 503"])
    await eventually(() => inFlight.size === 0)
  })

  it("stays correct as responses close in any order (the last one moves into a closed one's place)", async () => {
    const s = await serverKeeping()
    stop = s.close
    const inFlight = new InFlight()
    const answers = Array.from({ length: 6 }, () => s.send())
    await eventually(() => s.held.length === 6)
    s.held.forEach((res, i) => {
      inFlight.track(res, () => res.end(`${i}: finished`))
    })
    for (const i of [0, 4, 2]) s.held[i]!.end(`${i}: answered`)
    await eventually(() => inFlight.size === 3)
    expect(await inFlight.finishAll(1000)).toBe(3)
    expect(await Promise.all(answers)).toEqual([
      "0: answered",
      "1: finished",
      "2: answered",
      "3: finished",
      "4: answered",
      "5: finished",
    ])
  })
})
