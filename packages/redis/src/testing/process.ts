import type { ChildProcess } from "node:child_process"
import { type AddressInfo, createServer } from "node:net"

/** Resolves when `redis-server` says it accepts connections; rejects when it cannot start (or exits first). */
export const waitReady = (proc: ChildProcess): Promise<void> =>
  new Promise((resolve, reject) => {
    let out = ""
    const timer = setTimeout(() => reject(new Error(`redis-server did not start: ${out}`)), 10_000)
    proc.stdout?.on("data", (d: Buffer) => {
      out += d.toString()
      if (/ready to accept connections/i.test(out)) {
        clearTimeout(timer)
        resolve()
      }
    })
    proc.once("error", (e) => {
      clearTimeout(timer)
      reject(new Error(`redis-server could not be started (is Debian's redis-server installed?): ${e.message}`))
    })
    proc.once("exit", (code) => {
      clearTimeout(timer)
      reject(new Error(`redis-server exited with ${code}: ${out}`))
    })
  })

export const exited = (proc: ChildProcess): Promise<void> =>
  proc.exitCode !== null || proc.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => proc.once("exit", () => resolve()))

export const running = (proc: ChildProcess): boolean => proc.exitCode === null && proc.signalCode === null

/** A TCP port free right now (the kernel's pick). */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once("error", reject)
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as AddressInfo
      probe.close(() => resolve(port))
    })
  })
