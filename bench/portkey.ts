// The peer gateway: Portkey's open-source gateway from npm, installed into bench/.scratch/portkey (gitignored),
// never a product dependency. @hono/node-server is pinned to 1.13.5 through "overrides" (newer versions break its
// streaming). It is started from its own entry (build/start-server.js, `--port=0 --headless`) with
// loopback-preload.mjs, which holds it to 127.0.0.1 (it would bind every interface) and reports the bound port.
// Requests reach the fake upstream through Portkey's OpenAI provider with a custom host.
import { spawn } from "node:child_process"
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { spawnUntilPort } from "./child.js"
import { chatBody, isStream, nodeFlags, type Started, scratchDir, UPSTREAM_KEY } from "./targets.js"

export const PORTKEY_VERSION = "1.15.2"
const NODE_SERVER_VERSION = "1.13.5"
const dir = join(scratchDir, "portkey")
const entry = join(dir, "node_modules", "@portkey-ai", "gateway", "build", "start-server.js")
const label = `Portkey ${PORTKEY_VERSION}`

const installedVersion = (pkg: string): string | undefined => {
  try {
    const json = JSON.parse(readFileSync(join(dir, "node_modules", pkg, "package.json"), "utf8")) as {
      version?: string
    }
    return json.version
  } catch {
    return undefined
  }
}

const isInstalled = (): boolean =>
  existsSync(entry) &&
  installedVersion("@portkey-ai/gateway") === PORTKEY_VERSION &&
  installedVersion("@hono/node-server") === NODE_SERVER_VERSION

/** npm settings that pnpm passes down as npm_config_* would leak into the scratch install; keep only network ones. */
const npmEnv = (): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    const lower = key.toLowerCase()
    if (!lower.startsWith("npm_") || /registry|proxy|cafile|strict_ssl/.test(lower)) env[key] = value
  }
  return env
}

const npmInstall = (timeoutMs: number): Promise<string | undefined> =>
  new Promise((resolve) => {
    const proc = spawn(
      "npm",
      [
        "install",
        "--no-audit",
        "--no-fund",
        "--ignore-scripts",
        "--no-package-lock",
        "--loglevel=error",
        // Offline, fail within seconds rather than after npm's default back-off (about a minute).
        "--fetch-retries=1",
        "--fetch-retry-mintimeout=2000",
        "--fetch-retry-maxtimeout=5000",
      ],
      { cwd: dir, env: npmEnv(), stdio: ["ignore", "pipe", "pipe"] },
    )
    let output = ""
    const collect = (d: Buffer): void => {
      output = (output + d.toString("utf8")).slice(-2000)
    }
    proc.stdout.on("data", collect)
    proc.stderr.on("data", collect)
    const timer = setTimeout(() => proc.kill("SIGKILL"), timeoutMs)
    proc.on("error", (e) => {
      clearTimeout(timer)
      resolve(`npm could not run: ${e.message}`)
    })
    proc.on("exit", (code, signal) => {
      clearTimeout(timer)
      resolve(code === 0 ? undefined : `npm install failed (${signal ?? `exit ${code}`}): ${output.trim()}`)
    })
  })

/** Installs Portkey into the scratch folder unless present; returns a reason when it is unavailable. */
export const ensurePortkey = async (): Promise<string | undefined> => {
  if (isInstalled()) return undefined
  mkdirSync(dir, { recursive: true })
  const manifest = {
    name: "switchyard-bench-portkey",
    private: true,
    description: "Scratch install of Portkey's gateway for bench/run.ts; not a Switchyard dependency.",
    dependencies: { "@portkey-ai/gateway": PORTKEY_VERSION },
    overrides: { "@hono/node-server": NODE_SERVER_VERSION },
  }
  writeFileSync(join(dir, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`)
  const failure = await npmInstall(90_000)
  if (failure) return failure
  return isInstalled() ? undefined : "npm install finished but the pinned versions are not in place"
}

export const startPortkey = async (upstream: string): Promise<Started> => {
  const missing = await ensurePortkey()
  if (missing) return { ok: false, id: "portkey", label, reason: missing }
  const preload = pathToFileURL(join(import.meta.dirname, "loopback-preload.mjs")).href
  const { child, port } = await spawnUntilPort(
    {
      name: "portkey",
      command: process.execPath,
      args: [...nodeFlags, "--import", preload, entry, "--port=0", "--headless"],
      cwd: dir,
    },
    /\[loopback\] listening 127\.0\.0\.1:(\d+)/,
    30_000,
  )
  const headers = {
    authorization: `Bearer ${UPSTREAM_KEY}`,
    "x-portkey-provider": "openai",
    "x-portkey-custom-host": `${upstream}/v1`,
  }
  const path = "/v1/chat/completions"
  return {
    ok: true,
    target: {
      id: "portkey",
      label,
      origin: `http://127.0.0.1:${port}`,
      pid: child.pid,
      request: (kind) => {
        if (kind === "fallback") return undefined
        const model = kind === "slow" ? "bench-slow" : "bench-model"
        return { path, headers, body: chatBody(model, isStream(kind)) }
      },
      stop: child.stop,
    },
  }
}
