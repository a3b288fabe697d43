// The publishable packages (every packages/* folder) and how they are packed: one place for the
// package checks (check.mjs) and the consumer test (../consumer-test/run.mjs).
import { spawnSync } from "node:child_process"
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

export const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..")
export const PNPM = ["npx", "-y", "pnpm@10.34.8"]

/** Every folder under packages/ with a package.json: { dir, path, json }. */
export const listPackages = () =>
  readdirSync(join(root, "packages"), { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(root, "packages", e.name, "package.json")))
    .map((e) => {
      const path = join(root, "packages", e.name)
      return { dir: e.name, path, json: JSON.parse(readFileSync(join(path, "package.json"), "utf8")) }
    })

/** Runs a command, streaming its output; throws with the command line when it fails. */
export const run = (cmd, args, options = {}) => {
  const r = spawnSync(cmd, args, { stdio: "inherit", cwd: root, ...options })
  if (r.status !== 0) throw new Error(`failed (${r.status ?? r.signal}): ${[cmd, ...args].join(" ")}`)
  return r
}

/**
 * Packs every package into `dest` the way `pnpm publish` would (prepack builds with `tsc -b`;
 * `workspace:` and `catalog:` specifiers become versions; the root LICENSE is added).
 * Returns a Map from package name to tarball path.
 */
export const packAll = (dest) => {
  const packages = listPackages()
  run(PNPM[0], [...PNPM.slice(1), "-r", "--filter", "./packages/*", "pack", "--pack-destination", dest], {
    stdio: ["ignore", "ignore", "inherit"],
  })
  const tarballs = new Map()
  for (const p of packages) {
    // pnpm names the tarball <scope>-<name>-<version>.tgz
    const file = join(dest, `${p.json.name.replace(/^@/, "").replace("/", "-")}-${p.json.version}.tgz`)
    if (!existsSync(file)) throw new Error(`pnpm pack left no ${file} for packages/${p.dir}`)
    tarballs.set(p.json.name, file)
  }
  return tarballs
}

/** The fenced code blocks of a markdown text, in order: { lang, text }. */
export const codeBlocks = (markdown) =>
  [...markdown.matchAll(/^```(\w*)[^\n]*\n([\s\S]*?)^```/gm)].map((m) => ({ lang: m[1], text: m[2] }))

/** The text under the heading `title`, up to the next heading of its level or above (fenced blocks skipped). */
export const sectionOf = (markdown, title) => {
  const lines = markdown.split("\n")
  let fenced = false
  let level
  let start
  for (const [i, line] of lines.entries()) {
    if (line.startsWith("```")) fenced = !fenced
    const heading = fenced ? null : /^(#+) (.*)$/.exec(line)
    if (heading === null) continue
    if (level !== undefined && heading[1].length <= level) return lines.slice(start, i).join("\n")
    if (level === undefined && heading[2] === title) [level, start] = [heading[1].length, i + 1]
  }
  if (level === undefined) throw new Error(`no "${title}" section`)
  return lines.slice(start).join("\n")
}
