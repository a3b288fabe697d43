/**
 * The gateway as a user runs it — `examples/gateway/src/main.ts --config <file>` through tsx's loader (or, with
 * `script`, `node <script>`: the bundle), in one process of its own (`pid` is the gateway's: signals and RSS are its
 * own) — with everything it writes to stdout and stderr kept for the test to read.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("../../../../", import.meta.url))
const main = `${root}examples/gateway/src/main.ts`

export interface GatewayProcess {
  readonly url: string
  readonly pid: number
  /** Everything written so far: stdout and stderr interleaved as received. */
  readonly output: () => string
  readonly stdout: () => string
  /** SIGTERM, then wait for the exit (the gateway flushes its logs on the way out). */
  readonly stop: () => Promise<number | null>
  /** Send a signal (nothing else). */
  readonly signal: (signal: NodeJS.Signals) => void
  /** Resolves with the exit code. */
  readonly exited: Promise<number | null>
}

/** Start it and wait for its `listening` line (json logging) or its start banner (pretty logging). */
export const startGatewayProcess = async (
  args: ReadonlyArray<string>,
  env: Readonly<Record<string, string>>,
  script?: string,
): Promise<GatewayProcess> => {
  let all = ""
  let out = ""
  const head = script === undefined ? ["--conditions=source", "--import", "tsx", main] : [script]
  const child: ChildProcess = spawn(process.execPath, [...head, ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", PORT: "0", HOST: "127.0.0.1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  })
  child.stdout?.on("data", (c: Buffer) => {
    all += c.toString("utf8")
    out += c.toString("utf8")
  })
  child.stderr?.on("data", (c: Buffer) => {
    all += c.toString("utf8")
  })
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)))
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not start:\n${all}`)), 30_000)
    const check = () => {
      // the port, not the url: a host that is also an upstream's is masked in every log line
      const m = /"msg":"listening".*?"port":(\d+)|listening on http:\/\/[^\s]*:(\d+)/.exec(out)
      if (m !== null) {
        clearTimeout(timer)
        resolve(`http://127.0.0.1:${m[1] ?? m[2]}`)
      }
    }
    child.stdout?.on("data", check)
    void exited.then(() => reject(new Error(`gateway exited:\n${all}`)))
  })
  return {
    url,
    pid: child.pid!,
    output: () => all,
    stdout: () => out,
    stop: () => {
      if (child.exitCode === null) child.kill("SIGTERM")
      return exited
    },
    signal: (signal) => {
      child.kill(signal)
    },
    exited,
  }
}
