#!/usr/bin/env node
/**
 * The consumer test: the root README's "Embedding" section, run as a new user would run it.
 *
 *   node scripts/consumer-test/run.mjs [--keep]     (packs the packages itself)
 *   runConsumerTest(tarballs)                        (from scripts/packages/check.mjs, on its tarballs)
 *
 * In a fresh folder outside the workspace (own package.json, nothing linked), the section's code
 * blocks are replayed in order:
 *   ```sh              run with bash; in `npm i` lines every `@switchyard/<name>` becomes that
 *                      package's packed tarball (third-party packages come from the npm registry)
 *   ```ts / ```jsonc   whose first line is `// <path>`: written to that file
 *   ```text            the expected stdout of the sh block just before it; runs of digits match
 *                      any digits (simulation numbers move when routing changes), the rest exactly
 * Then the installed tree is checked: one copy of `effect` and at most one of each @switchyard package
 * (peer dependencies deduplicated), and no `hono` (a user who only wants Express does not get Hono).
 * Last, every packages/*\/README.md's example (its first ```ts block) is type-checked in that project.
 */
import { spawnSync } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { delimiter, dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { codeBlocks, listPackages, packAll, root, sectionOf } from "../packages/packages.mjs"

const INSTALL_LINE = "npm i @switchyard/core @switchyard/providers @switchyard/adapters"

/** The code blocks of the root README's "Embedding" section, in order; the section must open with the install line. */
export const embeddingBlocks = () => {
  const section = sectionOf(readFileSync(join(root, "README.md"), "utf8"), "Embedding")
  if (!section.trimStart().startsWith(`\`\`\`sh\n${INSTALL_LINE}`))
    throw new Error(`README.md's Embedding section must start with \`\`\`sh ${INSTALL_LINE}`)
  return codeBlocks(section)
}

/** A user's shell: no npm_* variables from a parent `pnpm run`, no workspace bin folders on PATH. */
const userEnv = () => {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(npm|pnpm)_/i.test(k)))
  env.PATH = (env.PATH ?? "")
    .split(delimiter)
    .filter((p) => !p.startsWith(root))
    .join(delimiter)
  return env
}

const normalize = (text) =>
  text
    .trimEnd()
    .split("\n")
    .map((l) => l.trimEnd().replace(/\d+/g, "#"))
    .join("\n")

/** Every folder named `name` in the tree's node_modules (nested copies included). */
const copiesOf = (dir, name, found = []) => {
  const nm = join(dir, "node_modules")
  if (!existsSync(nm)) return found
  if (existsSync(join(nm, name, "package.json"))) found.push(join(nm, name))
  for (const e of readdirSync(nm, { withFileTypes: true })) {
    if (!e.isDirectory() || e.name.startsWith(".")) continue
    const pkgs = e.name.startsWith("@")
      ? readdirSync(join(nm, e.name)).map((s) => join(nm, e.name, s))
      : [join(nm, e.name)]
    for (const p of pkgs) copiesOf(p, name, found)
  }
  return found
}

/** `npm i` lines with every `@switchyard/<name>` replaced by that package's tarball. */
const withTarballs = (script, tarballs) =>
  script.replace(/^npm (?:i|install) .*$/gm, (line) =>
    line.replace(/@switchyard\/[a-z0-9-]+/g, (name) => {
      const tarball = tarballs.get(name)
      if (tarball === undefined) throw new Error(`the README installs ${name}, which is not a packages/* package`)
      return tarball
    }),
  )

/**
 * Replays the Embedding section against the tarballs, checks the installed tree, then type-checks
 * every package README's example there. Returns a one-line summary; throws on failure (the
 * project is kept for inspection).
 */
export const runConsumerTest = async (tarballs, { keep = false } = {}) => {
  const started = performance.now()
  const blocks = embeddingBlocks()
  const dir = mkdtempSync(join(tmpdir(), "switchyard-consumer-"))
  console.log(`\n== consumer test in ${dir}`)
  writeFileSync(join(dir, "package.json"), `${JSON.stringify({ name: "consumer", private: true }, null, 2)}\n`)
  const env = userEnv()
  /** Runs a script as the user would in the project folder; returns its stdout. */
  const shell = (script) => {
    console.log(script.trimEnd().replace(/^/gm, "$ "))
    const r = spawnSync("bash", ["-euo", "pipefail", "-c", script], { cwd: dir, env, encoding: "utf8" })
    process.stderr.write(r.stderr)
    if (r.status !== 0) {
      process.stdout.write(r.stdout)
      throw new Error(`consumer test: command failed (${r.status ?? r.signal})`)
    }
    return r.stdout
  }
  const write = (path, text) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true })
    writeFileSync(join(dir, path), text)
  }
  let outputs = 0
  try {
    let stdout
    for (const block of blocks) {
      if (block.lang === "sh") stdout = shell(withTarballs(block.text, tarballs))
      else if (block.lang === "text") {
        if (stdout === undefined) throw new Error("a ```text block must follow a ```sh block")
        process.stdout.write(stdout)
        if (normalize(stdout) !== normalize(block.text))
          throw new Error(`consumer test: output differs from the README.\nexpected:\n${block.text}got:\n${stdout}`)
        stdout = undefined
        outputs++
      } else {
        const path = /^\/\/ (\S+)\n/.exec(block.text)?.[1]
        if (path === undefined)
          throw new Error(`a \`\`\`${block.lang} block in Embedding has no "// <path>" first line`)
        write(path, block.text)
      }
    }
    // Peer dependencies resolved to the user's copies; Hono only for Hono users.
    for (const name of ["effect", ...tarballs.keys()]) {
      const copies = copiesOf(dir, name)
      if (copies.length > 1 || (name === "effect" && copies.length === 0))
        throw new Error(`consumer test: ${copies.length} copies of ${name}: ${copies.join(", ")}`)
    }
    if (copiesOf(dir, "hono").length > 0) throw new Error("consumer test: hono was installed for an Express user")

    // Every package README's example type-checks against the published packages.
    const missing = [...tarballs].filter(([name]) => copiesOf(dir, name).length === 0)
    if (missing.length > 0) shell(`npm i ${missing.map(([, tarball]) => tarball).join(" ")}`)
    for (const p of listPackages()) {
      const example = codeBlocks(readFileSync(join(p.path, "README.md"), "utf8"))[1]
      write(`readme-examples/${p.dir}.ts`, example.text)
    }
    write(
      "readme-examples/tsconfig.json",
      JSON.stringify({ extends: "../tsconfig.json", compilerOptions: { rootDir: ".", noEmit: true }, include: ["."] }),
    )
    shell("npx tsc -p readme-examples")
  } catch (e) {
    console.error(`consumer project kept for inspection: ${dir}`)
    throw e
  }
  if (!keep) rmSync(dir, { recursive: true, force: true })
  const seconds = ((performance.now() - started) / 1000).toFixed(1)
  return `passed (${outputs} outputs as in the README, ${listPackages().length} README examples type-checked) in ${seconds} s`
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const keep = process.argv.includes("--keep")
  const dest = mkdtempSync(join(tmpdir(), "switchyard-pack-"))
  try {
    console.log(`consumer test ${await runConsumerTest(packAll(dest), { keep })}`)
  } finally {
    if (!keep) rmSync(dest, { recursive: true, force: true })
  }
}
