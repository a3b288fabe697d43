import fc from "fast-check"
import { describe, expect, it } from "vitest"
import {
  admission,
  type BreakerConfig,
  type BreakerEvent,
  type BreakerState,
  closed,
  defaultBreakerConfig,
  status,
  step,
} from "../../src/index.js"

const config: BreakerConfig = {
  ...defaultBreakerConfig,
  failureThreshold: 3,
  failureRatio: 0.5,
  minimumRequests: 10,
  ratioWindowMs: 10_000,
  openMs: 5_000,
  probeTimeoutMs: 2_000,
}
const next = step(config)
const S: BreakerEvent = { _tag: "Success" }
const F: BreakerEvent = { _tag: "Failure" }
const run = (events: ReadonlyArray<readonly [BreakerEvent, number]>, from: BreakerState = closed(0)): BreakerState =>
  events.reduce((s, [e, t]) => next(s, e, t), from)

describe("circuit breaker state machine", () => {
  it("opens on consecutive failures; a success in between resets the count", () => {
    expect(
      status(
        config,
        run([
          [F, 0],
          [F, 1],
          [S, 2],
          [F, 3],
          [F, 4],
        ]),
        5,
      ),
    ).toBe("closed")
    expect(
      status(
        config,
        run([
          [F, 0],
          [F, 1],
          [F, 2],
        ]),
        3,
      ),
    ).toBe("open")
  })

  it("opens on a failure ratio over the minimum volume, even without consecutive failures", () => {
    const events: Array<readonly [BreakerEvent, number]> = []
    for (let i = 0; i < 10; i++) events.push([i % 2 === 0 ? F : S, i])
    expect(status(config, run(events.slice(0, 9)), 9)).toBe("closed")
    expect(status(config, run(events), 10)).toBe("open")
  })

  it("starts a fresh ratio window after ratioWindowMs", () => {
    const events: Array<readonly [BreakerEvent, number]> = []
    for (let i = 0; i < 8; i++) events.push([i % 2 === 0 ? F : S, i])
    for (let i = 0; i < 2; i++) events.push([i % 2 === 0 ? F : S, 10_000 + i])
    expect(status(config, run(events), 10_002)).toBe("closed")
  })

  it("half-opens after openMs with a single probe; the probe's success closes it", () => {
    const open = run([
      [F, 0],
      [F, 0],
      [F, 0],
    ])
    expect(admission(config, open, 4_999)).toEqual({ _tag: "Blocked", untilMs: 5_000 })
    expect(status(config, open, 5_000)).toBe("half-open")
    expect(admission(config, open, 5_000)).toEqual({ _tag: "Allowed", probe: true })
    const probing = next(open, { _tag: "ProbeStarted" }, 5_000)
    expect(admission(config, probing, 5_001)._tag).toBe("Blocked")
    expect(status(config, next(probing, S, 5_100), 5_100)).toBe("closed")
  })

  it("re-opens for twice as long when the probe fails, frees the probe when it is abandoned or stale", () => {
    const probing = next(
      run([
        [F, 0],
        [F, 0],
        [F, 0],
      ]),
      { _tag: "ProbeStarted" },
      5_000,
    )
    const reopened = next(probing, F, 5_100)
    expect(admission(config, reopened, 15_099)).toEqual({ _tag: "Blocked", untilMs: 15_100 })
    expect(admission(config, next(probing, { _tag: "ProbeAbandoned" }, 5_100), 5_100)).toEqual({
      _tag: "Allowed",
      probe: true,
    })
    expect(admission(config, probing, 7_000)).toEqual({ _tag: "Allowed", probe: true })
  })

  it("backs off exponentially while the failure lasts (at most maxOpenMs), and starts short again after a success", () => {
    const c: BreakerConfig = { ...config, openMs: 1_000, maxOpenMs: 5_000 }
    const go = step(c)
    let s = go(go(go(closed(0), F, 0), F, 0), F, 0)
    const durations: Array<number> = []
    let now = 0
    for (let i = 0; i < 5; i++) {
      if (s._tag !== "Open") throw new Error("expected open")
      durations.push(s.until - s.openedAt)
      now = s.until
      s = go(go(s, { _tag: "ProbeStarted" }, now), F, now)
    }
    expect(durations).toEqual([1_000, 2_000, 4_000, 5_000, 5_000])
    if (s._tag !== "Open") throw new Error("expected open")
    s = go(go(s, { _tag: "ProbeStarted" }, s.until), S, s.until)
    expect(s._tag).toBe("Closed")
    const again = go(go(go(s, F, now + 1), F, now + 1), F, now + 1)
    expect(again._tag === "Open" && again.until - again.openedAt).toBe(1_000)
  })

  it("ignores late results of requests started before it opened", () => {
    const open = run([
      [F, 0],
      [F, 0],
      [F, 0],
    ])
    expect(next(open, S, 100)).toEqual(open)
  })

  it("never allows more than one probe at a time, and never allows a request while open", () => {
    const event = fc.oneof(
      fc.constant<BreakerEvent>(S),
      fc.constant<BreakerEvent>(F),
      fc.constant<BreakerEvent>({ _tag: "ProbeAbandoned" }),
    )
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.oneof(event, fc.constant("acquire" as const)), fc.integer({ min: 0, max: 3_000 })), {
          maxLength: 80,
        }),
        (steps) => {
          let s = closed(0)
          let now = 0
          for (const [e, dt] of steps) {
            now += dt
            if (e === "acquire") {
              const a = admission(config, s, now)
              const st = status(config, s, now)
              if (st === "open") expect(a._tag).toBe("Blocked")
              if (a._tag === "Allowed" && a.probe) {
                s = next(s, { _tag: "ProbeStarted" }, now)
                // A second acquire in the same instant is refused.
                expect(admission(config, s, now)._tag).toBe("Blocked")
              }
            } else s = next(s, e, now)
          }
        },
      ),
    )
  })
})
