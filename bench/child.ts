// Child processes of the benchmark: spawned with piped output, awaited until a readiness line appears (or until an
// HTTP probe answers), always stopped when the run ends — including on errors and Ctrl-C.
import { type ChildProcess, spawn } from "node:child_process"
import { request } from "undici"

export interface Child {
  readonly name: string
  readonly pid: number
  /** Last few KB of the child's stdout+stderr, for error messages. */
  readonly tail: () => string
  readonly exited: () => boolean
  /** Writes one line to the child's stdin. */
  readonly send: (line: string) => void
  readonly stop: () => Promise<void>
}

export interface SpawnSpec {
  readonly name: string
  readonly command: string
  readonly args: ReadonlyArray<string>
  readonly cwd: string
  readonly env?: Readonly<Record<string, string>>
}

const running = new Set<ChildProcess>()
const killAll = (): void => {
  for (const proc of running) proc.kill("SIGKILL")
}
process.on("exit", killAll)
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    killAll()
    process.exit(130)
  })
}

const TAIL_BYTES = 8192

export const spawnChild = (spec: SpawnSpec, onLine?: (line: string) => void): Child => {
  const proc = spawn(spec.command, [...spec.args], {
    cwd: spec.cwd,
    env: { ...process.env, ...spec.env },
    stdio: ["pipe", "pipe", "pipe"], // stdin stays open: our servers exit when it closes
  })
  if (proc.pid === undefined) throw new Error(`${spec.name}: could not spawn ${spec.command}`)
  running.add(proc)
  let tail = ""
  let partial = ""
  let exited = false
  const onData = (data: Buffer): void => {
    const text = data.toString("utf8")
    tail = (tail + text).slice(-TAIL_BYTES)
    if (!onLine) return
    const lines = (partial + text).split("\n")
    partial = lines.pop() ?? ""
    for (const line of lines) onLine(line)
  }
  proc.stdout?.on("data", onData)
  proc.stderr?.on("data", onData)
  const done = new Promise<void>((resolve) =>
    proc.on("exit", () => {
      exited = true
      running.delete(proc)
      resolve()
    }),
  )
  return {
    name: spec.name,
    pid: proc.pid,
    tail: () => tail,
    exited: () => exited,
    send: (line) => {
      proc.stdin?.write(`${line}\n`)
    },
    stop: async () => {
      if (exited) return
      proc.kill("SIGTERM")
      const timer = setTimeout(() => proc.kill("SIGKILL"), 2000)
      await done
      clearTimeout(timer)
    },
  }
}

/** Spawns a child and resolves with the port from the first line matching `pattern` (capture group 1). */
export const spawnUntilPort = async (
  spec: SpawnSpec,
  pattern: RegExp,
  timeoutMs: number,
): Promise<{ child: Child; port: number }> => {
  let found: (port: number) => void = () => {}
  const portFound = new Promise<number>((resolve) => {
    found = resolve
  })
  const child = spawnChild(spec, (line) => {
    const match = pattern.exec(line)
    if (match?.[1]) found(Number(match[1]))
  })
  const port = await raceTimeout(portFound, child, timeoutMs)
  return { child, port }
}

/** Waits until `url` answers any HTTP response (the server is listening). */
export const waitForHttp = async (url: string, child: Child, timeoutMs: number): Promise<void> => {
  const deadline = performance.now() + timeoutMs
  while (performance.now() < deadline) {
    if (child.exited()) throw new Error(`${child.name} exited before listening:\n${child.tail()}`)
    try {
      const res = await request(url, { method: "GET", headersTimeout: 1000, bodyTimeout: 1000 })
      await res.body.dump()
      return
    } catch {
      await new Promise((r) => setTimeout(r, 200))
    }
  }
  throw new Error(`${child.name} did not answer ${url} within ${timeoutMs} ms:\n${child.tail()}`)
}

const raceTimeout = async <A>(promise: Promise<A>, child: Child, timeoutMs: number): Promise<A> => {
  let timer: NodeJS.Timeout | undefined
  let poll: NodeJS.Timeout | undefined
  const failure = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${child.name} not ready within ${timeoutMs} ms:\n${child.tail()}`)),
      timeoutMs,
    )
    poll = setInterval(() => {
      if (child.exited()) reject(new Error(`${child.name} exited before it was ready:\n${child.tail()}`))
    }, 100)
  })
  try {
    return await Promise.race([promise, failure])
  } finally {
    clearTimeout(timer)
    clearInterval(poll)
  }
}
