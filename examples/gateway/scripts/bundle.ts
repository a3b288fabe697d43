/**
 * Bundles the gateway (`src/main.ts` with every package it uses) into one minified ES module,
 * `dist/gateway.mjs`, the way to run it in production:
 *
 *   pnpm bundle:gateway                                  (from the repo root; `pnpm bench` does it too)
 *   node examples/gateway/dist/gateway.mjs --config gateway.json
 *
 * Why: Node keeps the source text of every module it loads (Effect's ~200 modules alone are ~4 MB,
 * mostly doc comments) and grows its young generation while it loads hundreds of modules; one module
 * without comments starts at about 63 MB resident instead of ~120 MB (Node 20, defaults), and under
 * load it stays ~35 MB smaller. The code is the same: esbuild concatenates the modules, drops comments
 * and whitespace and folds syntax, but renames nothing (stack traces and class names read as in the
 * sources; `keepNames` would cost ~13 MB of its own). Licenses of the bundled libraries go to
 * `dist/gateway.mjs.LEGAL.txt`; `dist/gateway.mjs.map` maps the bundle back to the sources.
 */
import { readFileSync, writeFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { build } from "esbuild"
import { lazyHttp2 } from "./lazy-http2.js"

const root = fileURLToPath(new URL("..", import.meta.url))
export const BUNDLE = `${root}dist/gateway.mjs`

export const bundleGateway = async (outfile: string = BUNDLE): Promise<void> => {
  await build({
    entryPoints: [`${root}src/main.ts`],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    // the workspace packages from their TypeScript sources (their `source` export condition)
    conditions: ["source"],
    minifyWhitespace: true,
    minifySyntax: true,
    sourcemap: "linked",
    legalComments: "linked",
    // bundled CommonJS dependencies (undici, ioredis, prom-client) `require` Node's built-in modules
    banner: {
      js: 'import { createRequire as __sy_createRequire } from "node:module"; const require = __sy_createRequire(import.meta.url);',
    },
    // undici's HTTP/2 client loads `node:http2` (and TLS) only when it opens an HTTP/2 session (never, here)
    plugins: [lazyHttp2],
    logLevel: "warning",
  })
  // esbuild writes ASCII except inside regular expression literals (two of them: `…`, `µs`); one character
  // outside ASCII makes V8 keep the whole 2 MB source as a two-byte string. `\uXXXX` is the same character in
  // a regular expression, with or without the `u` flag (columns on those lines shift in the source map).
  const text = readFileSync(outfile, "utf8")
  if (/[\u0080-\uffff]/.test(text))
    writeFileSync(
      outfile,
      text.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`),
    )
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  await bundleGateway()
  console.log(`wrote ${BUNDLE}`)
}
