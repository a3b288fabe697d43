#!/usr/bin/env node
// Runs a command from node_modules/.bin, installing the workspace first if it is not installed.
// Lets a fresh machine with only Node and npm use `npm start` / `npm test` directly.
import { spawnSync } from "node:child_process"
import { existsSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const PNPM = "pnpm@10.34.8"
const root = join(dirname(fileURLToPath(import.meta.url)), "..")

if (!existsSync(join(root, "node_modules", ".modules.yaml"))) {
  console.error(`[switchyard] installing dependencies with ${PNPM} (first run only)…`)
  const install = spawnSync("npx", ["-y", PNPM, "install", "--frozen-lockfile"], { cwd: root, stdio: "inherit" })
  if (install.status !== 0) process.exit(install.status ?? 1)
}

const [cmd, ...args] = process.argv.slice(2)
if (!cmd) {
  console.error("usage: with-deps.mjs <command> [args…]")
  process.exit(2)
}
const bin = join(root, "node_modules", ".bin", cmd)
const run = spawnSync(existsSync(bin) ? bin : cmd, args, { cwd: process.cwd(), stdio: "inherit" })
process.exit(run.status ?? 1)
