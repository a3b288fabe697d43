/**
 * An esbuild plugin for the gateway bundle: undici's HTTP/2 client (`lib/dispatcher/client-h2.js`) requires
 * `node:http2` when it loads, only to read ten protocol constants, and needs the module itself only to open an
 * HTTP/2 session, which the gateway never does (its `Agent` leaves `allowH2` off). Loading `node:http2` also
 * loads `tls` and initialises both: ≈ 9.5 MB resident on Node 24.22 (≈ 2 MB on Node 20) in an idle process.
 * Here the constants are written out (the names and values RFC 9113 and nghttp2 define) and `connect` loads
 * `node:http2` on its first call. The build fails if undici's code no longer has the line this replaces or
 * reads other members, so an undici upgrade cannot silently keep a stale copy.
 */
import { readFile } from "node:fs/promises"
import type { Plugin } from "esbuild"

const ORIGINAL = "http2 = require('node:http2')"

const CONSTANTS: Readonly<Record<string, string | number>> = {
  HTTP2_HEADER_AUTHORITY: ":authority",
  HTTP2_HEADER_METHOD: ":method",
  HTTP2_HEADER_PATH: ":path",
  HTTP2_HEADER_SCHEME: ":scheme",
  HTTP2_HEADER_CONTENT_LENGTH: "content-length",
  HTTP2_HEADER_EXPECT: "expect",
  HTTP2_HEADER_STATUS: ":status",
  HTTP2_HEADER_PROTOCOL: ":protocol",
  NGHTTP2_REFUSED_STREAM: 7,
  NGHTTP2_CANCEL: 8,
}

const LAZY = `http2 = { constants: ${JSON.stringify(CONSTANTS)}, connect: (...args) => require('node:http2').connect(...args) }`

/** Members of `http2` the file uses besides `constants`: only `connect` may be. */
const USES = /\bhttp2\.(\w+)/g
/** The constants it destructures from `http2.constants`. */
const DESTRUCTURED = /const \{\s*constants: \{([^}]*)\}\s*\} = http2/

export const lazyHttp2: Plugin = {
  name: "lazy-http2",
  setup(build) {
    build.onLoad({ filter: /[\\/]undici[\\/]lib[\\/]dispatcher[\\/]client-h2\.js$/ }, async (args) => {
      const text = await readFile(args.path, "utf8")
      if (!text.includes(ORIGINAL)) throw new Error(`lazy-http2: ${args.path} no longer has \`${ORIGINAL}\``)
      const other = [...text.matchAll(USES)].map((m) => m[1]).filter((name) => name !== "connect")
      if (other.length > 0) throw new Error(`lazy-http2: ${args.path} uses http2.${other.join(", http2.")}`)
      const names = DESTRUCTURED.exec(text)?.[1]
        ?.split(",")
        .map((n) => n.trim())
        .filter((n) => n !== "")
      const unknown = names?.filter((n) => !(n in CONSTANTS)) ?? ["(no destructuring found)"]
      if (unknown.length > 0) throw new Error(`lazy-http2: ${args.path} reads http2.constants.${unknown.join(", ")}`)
      return { contents: text.replace(ORIGINAL, LAZY), loader: "js" }
    })
  },
}
