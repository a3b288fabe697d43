import { describe, expect, it } from "vitest"
import {
  allocMarkdown,
  framesOfCpuProfile,
  framesOfHeapProfile,
  framesOfPerfScript,
  groupOf,
  straceMarkdown,
  summarise,
} from "../profile-summary.js"

const frame = (name: string, url = "") => ({ name, url, line: 0, selfMs: 1 })

describe("groupOf", () => {
  it("groups frames by where their code lives", () => {
    expect(groupOf(frame("runLoop", "file:///r/node_modules/.pnpm/effect@4.1.0/node_modules/effect/dist/x.js"))).toBe(
      "Effect runtime",
    )
    expect(groupOf(frame("plan", "file:///r/packages/core/dist/src/policy/plan.js"))).toBe("router + services")
    expect(
      groupOf(frame("Request", "file:///r/node_modules/.pnpm/undici@7/node_modules/undici/lib/core/request.js")),
    ).toBe("transport (providers, undici, SSE)")
    expect(groupOf(frame("handle", "file:///r/packages/adapters/dist/src/handler/gateway.js"))).toBe(
      "adapters (gateway handler, Node adapter, metrics)",
    )
    expect(groupOf(frame("resOnFinish", "node:_http_server"))).toBe("Node http / net / streams")
    expect(groupOf(frame("parse"))).toBe("JSON")
    expect(groupOf(frame("(garbage collector)"))).toBe("GC")
    expect(groupOf(frame("(idle)"))).toBe("idle")
  })
})

describe("framesOfCpuProfile", () => {
  it("counts self time of the samples inside the window only", () => {
    const profile = {
      nodes: [
        { id: 1, callFrame: { functionName: "(root)", url: "", lineNumber: -1 } },
        {
          id: 2,
          callFrame: { functionName: "route", url: "file:///r/packages/core/dist/src/router/make.js", lineNumber: 9 },
        },
        { id: 3, callFrame: { functionName: "(idle)", url: "", lineNumber: -1 } },
      ],
      startTime: 1_000,
      samples: [2, 2, 3, 2],
      timeDeltas: [100, 100, 100, 100],
    }
    const all = summarise(framesOfCpuProfile(profile))
    expect(all.busyMs).toBeCloseTo(0.3)
    const windowed = summarise(framesOfCpuProfile(profile, 1_150, 1_350))
    expect(windowed.busyMs).toBeCloseTo(0.1) // only the sample at 1,200 is busy; 1,300 is idle
    expect(windowed.top[0]?.frame).toBe("route packages/core/dist/src/router/make.js:10")
  })
})

describe("framesOfPerfScript", () => {
  it("charges builtins to the innermost JS frame and keeps kernel and GC samples apart", () => {
    const text = [
      "node 1 1.0: 1 cpu-clock:",
      "\t 7f01 Builtins_LoadIC+0x1 (/usr/bin/node)",
      "\t 7f02 JS:*percentiles file:///r/packages/core/dist/src/services/stats/window.js:207:3 (/tmp/perf-1.map)",
      "\t 7f03 JS:^handle file:///r/packages/adapters/dist/src/handler/gateway.js:10:1 (/tmp/perf-1.map)",
      "",
      "node 1 1.1: 1 cpu-clock:",
      "\t ffff01 tcp_sendmsg+0x1 ([kernel.kallsyms])",
      "\t 7f03 JS:^handle file:///r/packages/adapters/dist/src/handler/gateway.js:10:1 (/tmp/perf-1.map)",
      "",
      "node 1 1.2: 1 cpu-clock:",
      "\t 1234 v8::internal::Scavenger::ScavengeObject+0x5 (/usr/bin/node)",
      "",
    ].join("\n")
    const s = summarise(framesOfPerfScript(text, 1))
    expect(s.busyMs).toBe(3)
    expect(Object.fromEntries(s.groups.map((g) => [g.group, g.ms]))).toEqual({
      "router + services": 1,
      "kernel (syscalls, network stack)": 1,
      GC: 1,
    })
    expect(s.top.map((t) => t.frame)).toContain("percentiles packages/core/dist/src/services/stats/window.js:207")
  })
})

describe("framesOfHeapProfile", () => {
  const node = (functionName: string, url: string, selfSize: number, children: ReadonlyArray<unknown> = []) => ({
    callFrame: { functionName, url, lineNumber: 9 },
    selfSize,
    children: children as never,
  })
  const core = "file:///r/packages/core/dist/src/router/make.js"
  const profile = {
    head: node("(root)", "", 0, [
      node("route", core, 1_000, [node("push", "", 500, [node("Map", "", 250)])]),
      node("(V8 API)", "", 300),
      node("onWrite", "node:internal/streams/writable", 200),
    ]),
  }

  it("charges builtins to their nearest caller with a script and keeps native allocations apart", () => {
    const frames = framesOfHeapProfile(profile)
    expect(frames.map((f) => [f.name, f.bytes]).sort()).toEqual([
      ["(V8 API)", 300],
      ["onWrite", 200],
      ["route", 1_750],
    ])
  })

  it("reports bytes per request by group and by frame", () => {
    const md = allocMarkdown("t", framesOfHeapProfile(profile), 10, 2)
    expect(md).toContain("225 bytes allocated per request.")
    expect(md).toContain("| router + services | 175 |")
    expect(md).toContain("| V8 / native / other | 30 |")
    expect(md).toContain("| `route packages/core/dist/src/router/make.js:10` | router + services | 175 |")
    expect(md).not.toContain("onWrite") // only the top 2 frames
  })
})

describe("straceMarkdown", () => {
  it("lists system calls per request, most frequent first", () => {
    const text = [
      "% time     seconds  usecs/call     calls    errors syscall",
      "------ ----------- ----------- --------- --------- ----------------",
      " 60.00    0.060000          60      1000           writev",
      " 30.00    0.030000          10      3000       500 read",
      " 10.00    0.010000          10        10           epoll_wait",
      "------ ----------- ----------- --------- --------- ----------------",
      "100.00    0.100000          25      4010       500 total",
    ].join("\n")
    const md = straceMarkdown("t", text, 1000)
    expect(md).toContain("4.01 system calls per request.")
    expect(md.indexOf("| read | 3.00 | 0.50 |")).toBeLessThan(md.indexOf("| writev | 1.00 | 0.00 |"))
    expect(md).toContain("| epoll_wait | 0.01 | 0.00 |")
  })
})
