#!/usr/bin/env node
/**
 * `node scripts/packages/check.mjs [--publish] [--keep]` — checks what would be published, then
 * (with --publish: after a build from scratch) publishes exactly the tarballs it checked. Run by `.ci/run` (without --publish)
 * and by `pnpm release`.
 *
 * For every packages/* folder: the metadata rules below (stale build outputs removed first), no undeclared import in what it ships, `publint --strict` and
 * `attw --profile esm-only` on the packed tarball, `npm publish --dry-run` of that tarball, and
 * the consumer test (scripts/consumer-test) on all the tarballs together.
 */
import { spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { builtinModules } from "node:module"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { runConsumerTest } from "../consumer-test/run.mjs"
import { codeBlocks, listPackages, packAll, root, run } from "./packages.mjs"

const publish = process.argv.includes("--publish")
const bin = (name) => join(root, "node_modules", ".bin", name)
const keep = process.argv.includes("--keep")
const rootJson = JSON.parse(readFileSync(join(root, "package.json"), "utf8"))
const changelog = readFileSync(join(root, "CHANGELOG.md"), "utf8")

/** The rules every published package follows (NOTES.md lists them for new packages). */
const metadataProblems = (p, version) => {
  const j = p.json
  const problems = []
  const need = (ok, message) => ok || problems.push(message)
  need(j.private !== true, `"private": true — every packages/* folder is published`)
  need(j.version === version, `version ${j.version}: all packages share one version (${version})`)
  need(j.license === "Apache-2.0", `license must be "Apache-2.0" (the root LICENSE)`)
  need(typeof j.description === "string" && j.description.length > 0, "description missing")
  need(Array.isArray(j.keywords) && j.keywords.length > 0, "keywords missing")
  need(j.repository?.directory === `packages/${p.dir}`, `repository.directory must be "packages/${p.dir}"`)
  need(j.engines?.node === rootJson.engines.node, `engines.node must be "${rootJson.engines.node}" (the root's)`)
  need(j.type === "module", `"type": "module" (the packages are ESM-only)`)
  need(typeof j.sideEffects === "boolean", "sideEffects must be set (false unless importing a module does something)")
  need(
    j.publishConfig?.access === "public",
    `publishConfig.access must be "public" (scoped packages default to restricted)`,
  )
  need(Array.isArray(j.files) && j.files.includes("dist/src"), `files must list "dist/src"`)
  need(j.scripts?.prepack === "tsc -b", `scripts.prepack must be "tsc -b" (never pack a stale build)`)
  need(j.exports?.["."] !== undefined, `exports["."] missing`)
  for (const [subpath, target] of Object.entries(j.exports ?? {})) {
    if (subpath === "./package.json") continue
    const keys = Object.keys(target ?? {})
    const base = String(target?.source ?? "").replace(/^\.\/src\/(.*)\.ts$/, "$1")
    need(
      keys.join() === "types,source,default" &&
        target.types === `./dist/src/${base}.d.ts` &&
        target.default === `./dist/src/${base}.js`,
      `exports["${subpath}"] must be { types: "./dist/src/X.d.ts", source: "./src/X.ts", default: "./dist/src/X.js" } in that order`,
    )
  }
  for (const name of Object.keys(j.dependencies ?? {}))
    need(name !== "effect" && !name.startsWith("@switchyard/"), `${name} must be a peerDependency, not a dependency`)
  const readme = existsSync(join(p.path, "README.md")) ? readFileSync(join(p.path, "README.md"), "utf8") : ""
  const [install, example] = codeBlocks(readme)
  need(
    install?.lang === "sh" && install.text.startsWith(`npm i ${j.name}`),
    `README.md must start (first code block) with \`\`\`sh npm i ${j.name} …`,
  )
  need(
    example?.lang === "ts" && example.text.split("\n").length <= 26,
    "README.md's second code block must be a ```ts example of at most 25 lines",
  )
  need(changelog.includes(`\n## ${version}`), `CHANGELOG.md has no "## ${version}" section`)
  return problems
}

/**
 * Bare imports in the JavaScript and declarations of the tarball (what users load) that the package
 * does not declare: such an import works inside the workspace and fails for a user.
 */
const undeclaredImports = (p, tarball) => {
  const declared = new Set([p.json.name, ...Object.keys({ ...p.json.dependencies, ...p.json.peerDependencies })])
  const shipped = quiet("tar", ["-tzf", tarball])
    .split("\n")
    .map((entry) => entry.replace(/^package\//, ""))
    .filter((file) => /\.(js|d\.ts)$/.test(file))
  const found = new Set()
  for (const file of shipped) {
    const text = readFileSync(join(p.path, file), "utf8")
    for (const [, specifier] of text.matchAll(/(?:\bfrom|\bimport|\brequire)\s*\(?\s*["']([^"'./][^"']*)["']/g)) {
      const name = specifier
        .split("/")
        .slice(0, specifier.startsWith("@") ? 2 : 1)
        .join("/")
      if (!specifier.startsWith("node:") && !builtinModules.includes(name) && !declared.has(name))
        found.add(`${name} (${file})`)
    }
  }
  return [...found]
}

/** Removes built files whose source is gone (tsc -b never deletes outputs; they would be published). */
const removeStaleOutputs = (p) => {
  const dist = join(p.path, "dist", "src")
  if (!existsSync(dist)) return 0
  const stale = readdirSync(dist, { recursive: true }).filter((file) => {
    const built = /^(.*)\.(?:js|d\.ts)(?:\.map)?$/.exec(file)
    return built !== null && !existsSync(join(p.path, "src", `${built[1]}.ts`))
  })
  for (const file of stale) rmSync(join(dist, file))
  return stale.length
}

/** Runs a command quietly; prints its output only when it fails. */
const quiet = (cmd, args) => {
  const r = spawnSync(cmd, args, { cwd: root, encoding: "utf8" })
  if (r.status !== 0) {
    process.stdout.write(r.stdout)
    process.stderr.write(r.stderr)
    throw new Error(`failed (${r.status ?? r.signal}): ${[cmd, ...args].join(" ")}`)
  }
  return `${r.stdout}${r.stderr}`
}

const started = performance.now()
const packages = listPackages()
const version = packages[0]?.json.version
let failed = false
for (const p of packages) {
  const problems = metadataProblems(p, version)
  if (problems.length > 0) {
    failed = true
    console.error(`packages/${p.dir}/package.json:\n${problems.map((m) => `  - ${m}`).join("\n")}`)
  }
}
if (failed) process.exit(1)

// A release builds from scratch (prepack rebuilds what is deleted here); a check drops only stale outputs.
for (const p of packages) {
  if (publish) rmSync(join(p.path, "dist"), { recursive: true, force: true })
  const stale = removeStaleOutputs(p)
  if (stale > 0) console.log(`packages/${p.dir}: removed ${stale} stale build outputs (their sources are gone)`)
}
const dest = mkdtempSync(join(tmpdir(), "switchyard-pack-"))
try {
  const tarballs = packAll(dest)
  const packed = performance.now()
  console.log(`packed ${tarballs.size} packages in ${((packed - started) / 1000).toFixed(1)} s`)
  for (const p of packages) {
    const undeclared = undeclaredImports(p, tarballs.get(p.json.name))
    if (undeclared.length > 0)
      throw new Error(`packages/${p.dir} imports what it does not declare: ${undeclared.join(", ")}`)
  }
  for (const [name, tarball] of tarballs) {
    console.log(`\n== ${name}@${version}`)
    run(bin("publint"), ["run", tarball, "--strict"])
    run(bin("attw"), [tarball, "--profile", "esm-only", "--format", "table-flipped"], {
      env: { ...process.env, FORCE_COLOR: "0" },
    })
    const dry = quiet("npm", ["publish", "--dry-run", tarball])
    console.log(
      dry
        .split("\n")
        .filter((l) => /total files|package size|^\+ |Publishing to/.test(l))
        .join("\n"),
    )
  }
  const checked = ((performance.now() - packed) / 1000).toFixed(1)
  const consumer = await runConsumerTest(tarballs, { keep })
  console.log(
    `\n${tarballs.size} packages: publint, attw, publish --dry-run in ${checked} s; consumer test ${consumer}`,
  )
  if (publish) {
    for (const [name, tarball] of tarballs) {
      console.log(`publishing ${name}@${version}`)
      run("npm", ["publish", tarball])
    }
  }
} finally {
  if (!keep) rmSync(dest, { recursive: true, force: true })
}
console.log(`packages: ${((performance.now() - started) / 1000).toFixed(1)} s`)
