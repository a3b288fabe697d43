import { type ChildProcess, spawn } from "node:child_process"
import { fileURLToPath } from "node:url"

const ROOT = fileURLToPath(new URL("../../../../", import.meta.url))
const MAIN = fileURLToPath(new URL("../../src/main.ts", import.meta.url))

/** One gateway replica: a real process (`examples/gateway/src/main.ts --config …`) on a free port. */
export interface Replica {
  readonly url: string
  readonly process: ChildProcess
  /** Everything it printed. */
  readonly output: () => string
  readonly kill: (signal?: NodeJS.Signals) => Promise<void>
}

export const startReplica = (configFile: string, env: Record<string, string> = {}): Promise<Replica> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "--conditions=source", MAIN, "--config", configFile], {
      cwd: ROOT,
      env: { ...process.env, PORT: "0", HOST: "127.0.0.1", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    })
    let out = ""
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      reject(new Error(`gateway replica did not start:\n${out}`))
    }, 60_000)
    const onData = (d: Buffer) => {
      out += d.toString()
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)
      if (m !== null) {
        clearTimeout(timer)
        resolve({
          url: m[1]!,
          process: child,
          output: () => out,
          kill: (signal = "SIGTERM") =>
            new Promise((done) => {
              if (child.exitCode !== null || child.signalCode !== null) return done()
              child.once("exit", () => done())
              child.kill(signal)
            }),
        })
      }
    }
    child.stdout.on("data", onData)
    child.stderr.on("data", onData)
    child.once("exit", (code) => {
      clearTimeout(timer)
      reject(new Error(`gateway replica exited with ${code}:\n${out}`))
    })
  })
