// Summaries of a gateway profile: self time per frame, grouped by where the frame's code lives. Two sources:
//   - a V8 `.cpuprofile` (`node --cpu-prof`): wall-clock samples — a sample taken while the process waits for a CPU
//     (a loaded machine) lands on whatever frame was running, so shares there follow wall time, not CPU;
//   - `perf script` output of `perf record -g -e cpu-clock` with `node --perf-basic-prof`: CPU samples only.
// Both become the same `Frame` list; `summarise` groups and ranks it.

export type Group =
  | "Effect runtime"
  | "router + services"
  | "transport (providers, undici, SSE)"
  | "adapters (gateway handler, Node adapter, metrics)"
  | "shared state (packages/redis, ioredis)"
  | "Node http / net / streams"
  | "JSON"
  | "GC"
  | "V8 JIT compiler"
  | "V8 / native / other"
  | "kernel (syscalls, network stack)"

export interface Frame {
  readonly name: string
  /** Script URL or path, "" for builtins and native code. */
  readonly url: string
  readonly line: number
  readonly selfMs: number
  /** perf only: the sample was in the kernel. */
  readonly kernel?: boolean
}

const has = (s: string, ...parts: ReadonlyArray<string>) => parts.some((p) => s.includes(p))

/** The group a frame's self time belongs to, by its code's location (then its name for native frames). */
export const groupOf = (f: Frame): Group | "idle" => {
  const { name, url } = f
  if (name === "(idle)" || name === "(root)") return "idle"
  if (f.kernel) return "kernel (syscalls, network stack)"
  if (name === "(garbage collector)" || /(Scavenge|MarkCompact|Heap::|GCTracer|Sweeper|Evacuat|Marking)/.test(name))
    return "GC"
  if (name.includes("compiler::")) return "V8 JIT compiler"
  if (/^(parse|stringify)$/.test(name) && url === "") return "JSON"
  if (/Json(Parse|Stringify)|JsonParser|JsonStringifier/.test(name)) return "JSON"
  const where = url || name
  if (has(where, "/effect/dist/", "/effect@", "node_modules/effect/")) return "Effect runtime"
  if (has(where, "packages/redis/", "ioredis", "redis-errors", "denque", "cluster-key-slot"))
    return "shared state (packages/redis, ioredis)"
  if (has(where, "packages/core/")) return "router + services"
  if (has(where, "hdr-histogram-js")) return "router + services"
  if (has(where, "packages/providers/", "undici", "eventsource-parser")) return "transport (providers, undici, SSE)"
  if (has(where, "packages/adapters/", "examples/gateway/", "prom-client", "bench/bare-proxy"))
    return "adapters (gateway handler, Node adapter, metrics)"
  if (/(^|\s|:)node:/.test(where) || has(where, "internal/")) return "Node http / net / streams"
  return "V8 / native / other"
}

// ── V8 .cpuprofile ──────────────────────────────────────────────────────────────────────────────────────────────────

interface CpuProfile {
  readonly nodes: ReadonlyArray<{
    readonly id: number
    readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number }
  }>
  readonly startTime: number
  readonly samples: ReadonlyArray<number>
  readonly timeDeltas: ReadonlyArray<number>
}

/**
 * Self time per frame of a `.cpuprofile`, counting only samples whose timestamp (µs, the monotonic clock both the
 * profiled process and `process.hrtime` use on Linux) falls in [fromUs, toUs].
 */
export const framesOfCpuProfile = (profile: CpuProfile, fromUs = -Infinity, toUs = Infinity): ReadonlyArray<Frame> => {
  const byId = new Map(profile.nodes.map((n) => [n.id, n.callFrame]))
  const selfUs = new Map<number, number>()
  let t = profile.startTime
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = profile.timeDeltas[i] ?? 0
    t += delta
    if (t < fromUs || t > toUs) continue
    // a sample stands for the interval up to the next one
    const span = profile.timeDeltas[i + 1] ?? delta
    const id = profile.samples[i]!
    selfUs.set(id, (selfUs.get(id) ?? 0) + span)
  }
  const frames = new Map<string, Frame>()
  for (const [id, us] of selfUs) {
    const cf = byId.get(id)
    if (!cf) continue
    const name = cf.functionName || "(anonymous)"
    const key = `${name}\u0000${cf.url}\u0000${cf.lineNumber}`
    const prev = frames.get(key)
    frames.set(key, { name, url: cf.url, line: cf.lineNumber + 1, selfMs: (prev?.selfMs ?? 0) + us / 1000 })
  }
  return [...frames.values()]
}

// ── perf script ─────────────────────────────────────────────────────────────────────────────────────────────────────

const JS_SYMBOL = /^JS:[*~^]?(\S*)\s*(.*?)(?::(\d+):\d+)?$/

/** One frame line of `perf script`: "<ip> <symbol>+0x.. (<dso>)". */
const perfFrame = (line: string): { sym: string; dso: string } => {
  const dso = /\(([^()]*)\)\s*$/.exec(line)?.[1] ?? ""
  const sym = line
    .trim()
    .replace(/^[0-9a-f]+\s+/, "")
    .replace(/\s*\([^()]*\)\s*$/, "")
    .replace(/\+0x[0-9a-f]+$/, "")
  return { sym, dso }
}

/**
 * CPU samples from `perf script -F ip,sym,dso` of `perf record -g` (call chains, leaf first, samples separated by blank
 * lines), each worth `sampleMs`. A sample in the kernel, in the garbage collector or in V8's compiler counts there;
 * any other sample counts for the innermost JavaScript frame on its stack (JIT symbols from `node --perf-basic-prof`:
 * "JS:*name file:///…:line:col"), so a V8 builtin (a property load, a call stub) is charged to the JS function that
 * called it; samples with no JS frame stay "V8 / native / other".
 */
export const framesOfPerfScript = (text: string, sampleMs: number): ReadonlyArray<Frame> => {
  const frames = new Map<string, Frame & { n: number }>()
  const count = (name: string, url: string, line: number, kernel: boolean): void => {
    const key = `${name}\u0000${url}\u0000${line}\u0000${kernel}`
    const f = frames.get(key) ?? { name, url, line, selfMs: 0, kernel, n: 0 }
    f.n++
    frames.set(key, f)
  }
  for (const sample of text.split(/\n\s*\n/)) {
    const stack = sample
      .split("\n")
      .filter((l) => /^\s*[0-9a-f]+\s/.test(l))
      .map(perfFrame)
    const leaf = stack[0]
    if (!leaf) continue
    if (leaf.dso.includes("kernel")) {
      count(leaf.sym, "", 0, true)
      continue
    }
    if (groupOf({ name: leaf.sym, url: "", line: 0, selfMs: 0 }) === "GC" || leaf.sym.includes("compiler::")) {
      count(leaf.sym, "", 0, false)
      continue
    }
    const js = stack.map((f) => JS_SYMBOL.exec(f.sym)).find((m) => m !== null)
    if (js) count(js[1] || "(anonymous)", js[2] ?? "", Number(js[3] ?? 0), false)
    else if (leaf.sym.startsWith("wasm-function")) count(leaf.sym, "undici (llhttp wasm)", 0, false)
    else count(leaf.sym || "[unknown]", "", 0, false)
  }
  return [...frames.values()].map(({ n, ...f }) => ({ ...f, selfMs: n * sampleMs }))
}

// ── summary ─────────────────────────────────────────────────────────────────────────────────────────────────────────

export interface ProfileSummary {
  /** Busy time (everything but idle), ms. */
  readonly busyMs: number
  readonly groups: ReadonlyArray<{ readonly group: Group; readonly ms: number; readonly share: number }>
  readonly top: ReadonlyArray<{
    readonly frame: string
    readonly group: Group
    readonly ms: number
    readonly share: number
  }>
}

const shortUrl = (url: string): string =>
  url
    .replace(/^file:\/\//, "")
    .replace(/^.*node_modules\/\.pnpm\/[^/]+\/node_modules\//, "")
    .replace(/^.*?\/(packages|examples|bench)\//, "$1/")

export const summarise = (frames: ReadonlyArray<Frame>, topN = 15): ProfileSummary => {
  const busy = frames.filter((f) => groupOf(f) !== "idle")
  const busyMs = busy.reduce((s, f) => s + f.selfMs, 0)
  const byGroup = new Map<Group, number>()
  for (const f of busy) {
    const g = groupOf(f) as Group
    byGroup.set(g, (byGroup.get(g) ?? 0) + f.selfMs)
  }
  const share = (ms: number) => (busyMs > 0 ? ms / busyMs : 0)
  return {
    busyMs,
    groups: [...byGroup].map(([group, ms]) => ({ group, ms, share: share(ms) })).sort((a, b) => b.ms - a.ms),
    top: [...busy]
      .sort((a, b) => b.selfMs - a.selfMs)
      .slice(0, topN)
      .map((f) => ({
        frame: `${f.name}${f.url ? ` ${shortUrl(f.url)}${f.line > 0 ? `:${f.line}` : ""}` : ""}`,
        group: groupOf(f) as Group,
        ms: f.selfMs,
        share: share(f.selfMs),
      })),
  }
}

const pct = (v: number) => `${(v * 100).toFixed(1)}%`

export const summaryMarkdown = (title: string, s: ProfileSummary, requests: number | undefined): string => {
  const perReq = (ms: number) => (requests ? ` | ${((ms * 1000) / requests).toFixed(1)}` : "")
  const head = requests ? " | µs per request" : ""
  const rule = requests ? "|--:" : ""
  return [
    `### ${title}`,
    "",
    `Busy ${s.busyMs.toFixed(0)} ms${requests ? ` over ${requests} requests (${((s.busyMs * 1000) / requests).toFixed(1)} µs each)` : ""}.`,
    "",
    `| group | share of busy time${head} |`,
    `|---|--:${rule}|`,
    ...s.groups.map((g) => `| ${g.group} | ${pct(g.share)}${perReq(g.ms)} |`),
    "",
    "| top frames by self time | group | share |",
    "|---|---|--:|",
    ...s.top.map((t) => `| \`${t.frame.replaceAll("|", "/")}\` | ${t.group} | ${pct(t.share)} |`),
    "",
  ].join("\n")
}

/**
 * `strace -c -f` output (a table: % time, seconds, usecs/call, calls, errors, syscall) as calls per request,
 * most frequent first; strace's times are left out (tracing slows every call).
 */
export const straceMarkdown = (title: string, strace: string, requests: number): string => {
  const rows: Array<{ name: string; calls: number; errors: number }> = []
  for (const line of strace.split("\n")) {
    const cols = line.trim().split(/\s+/)
    if (cols.length < 5 || !/^\d/.test(cols[0]!) || cols.at(-1) === "total") continue
    const name = cols.at(-1)!
    const hasErrors = cols.length === 6
    rows.push({ name, calls: Number(cols[3]), errors: hasErrors ? Number(cols[4]) : 0 })
  }
  rows.sort((a, b) => b.calls - a.calls)
  const total = rows.reduce((n, r) => n + r.calls, 0)
  const per = (n: number) => (n / requests).toFixed(2)
  return [
    `### ${title}`,
    "",
    `${per(total)} system calls per request.`,
    "",
    "| system call | per request | failed per request |",
    "|---|--:|--:|",
    ...rows.filter((r) => r.calls / requests >= 0.01).map((r) => `| ${r.name} | ${per(r.calls)} | ${per(r.errors)} |`),
    "",
  ].join("\n")
}

export interface HeapProfileNode {
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number }
  readonly selfSize: number
  readonly children: ReadonlyArray<HeapProfileNode>
}

export interface HeapProfile {
  readonly head: HeapProfileNode
}

export interface AllocFrame {
  readonly name: string
  readonly url: string
  readonly line: number
  readonly bytes: number
}

/**
 * Bytes allocated per frame of a sampling heap profile (`HeapProfiler.stopSampling`; V8 scales each sample up to the
 * bytes it stands for). An allocation in a builtin or native function (`push`, `Map`, `join`: no script URL) is
 * charged to the nearest caller with one, as `framesOfPerfScript` does for CPU samples; allocations with no script on
 * the stack at all (V8 API calls from Node's C++) stay where they are.
 */
export const framesOfHeapProfile = (profile: HeapProfile): ReadonlyArray<AllocFrame> => {
  const frames = new Map<string, { name: string; url: string; line: number; bytes: number }>()
  const walk = (node: HeapProfileNode, caller: HeapProfileNode | undefined): void => {
    const own = node.callFrame.url !== "" ? node : undefined
    const at = own ?? caller ?? node
    if (node.selfSize > 0) {
      const f = at.callFrame
      const name = f.functionName || "(anonymous)"
      const key = `${name}\u0000${f.url}\u0000${f.lineNumber}`
      const entry = frames.get(key) ?? { name, url: f.url, line: f.lineNumber + 1, bytes: 0 }
      entry.bytes += node.selfSize
      frames.set(key, entry)
    }
    for (const child of node.children) walk(child, own ?? caller)
  }
  walk(profile.head, undefined)
  return [...frames.values()]
}

/** Allocation frames as bytes per request: by group, then the top frames. */
export const allocMarkdown = (
  title: string,
  frames: ReadonlyArray<AllocFrame>,
  requests: number,
  top: number,
): string => {
  const groups = new Map<Group | "idle", number>()
  let total = 0
  for (const f of frames) {
    const g = groupOf({ ...f, selfMs: 0 })
    groups.set(g, (groups.get(g) ?? 0) + f.bytes)
    total += f.bytes
  }
  const per = (b: number) => (requests > 0 ? (b / requests).toFixed(0) : "–")
  const frameName = (f: AllocFrame) => `${f.name}${f.url ? ` ${shortUrl(f.url)}${f.line > 0 ? `:${f.line}` : ""}` : ""}`
  return [
    `### ${title}`,
    "",
    `${per(total)} bytes allocated per request.`,
    "",
    "| group | bytes per request |",
    "|---|--:|",
    ...[...groups]
      .sort((a, b) => b[1] - a[1])
      .map(([g, b]) => `| ${g === "idle" ? "no script on the stack" : g} | ${per(b)} |`),
    "",
    "| top frames by bytes allocated (builtins charged to their caller) | group | bytes per request |",
    "|---|---|--:|",
    ...[...frames]
      .sort((a, b) => b.bytes - a.bytes)
      .slice(0, top)
      .map((f) => `| \`${frameName(f).replaceAll("|", "/")}\` | ${groupOf({ ...f, selfMs: 0 })} | ${per(f.bytes)} |`),
    "",
  ].join("\n")
}
