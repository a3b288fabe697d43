/**
 * The gateway as users run it: `src/main.ts` in a child process (tsx, like `npm start`), on a free port.
 * Resolves once the start banner is printed, with the URL it printed.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { fileURLToPath } from "node:url"

const MAIN = fileURLToPath(new URL("../../src/main.ts", import.meta.url))

export interface GatewayProcess {
  readonly child: ChildProcess
  readonly url: string
  /** Everything printed so far. */
  readonly stdout: () => string
  readonly stderr: () => string
  /** Resolves with the exit code once the process has exited. */
  readonly exited: Promise<number | null>
  readonly kill: () => void
}

export const spawnGateway = (args: ReadonlyArray<string>, env: Record<string, string> = {}): Promise<GatewayProcess> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--conditions=source", "--import", "tsx", MAIN, ...args], {
      env: { ...process.env, PORT: "0", HOST: "127.0.0.1", SWITCHYARD_KEYS: "", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    })
    let out = ""
    let err = ""
    const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)))
    const kill = () => {
      if (child.exitCode === null) child.kill("SIGKILL")
    }
    const timer = setTimeout(() => {
      kill()
      reject(new Error(`gateway did not start in time:\n${out}\n${err}`))
    }, 20_000)
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString()
      const m = /listening on (http:\/\/\S+)/.exec(out)
      if (m && out.includes("models:")) {
        clearTimeout(timer)
        resolve({ child, url: m[1]!, stdout: () => out, stderr: () => err, exited, kill })
      }
    })
    child.stderr!.on("data", (d: Buffer) => {
      err += d.toString()
    })
    void exited.then((code) => {
      clearTimeout(timer)
      reject(new Error(`gateway exited with ${code} before its banner:\n${out}\n${err}`))
    })
  })
