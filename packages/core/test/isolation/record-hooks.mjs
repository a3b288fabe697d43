// Module hooks that append every resolved module URL to the file named by RECORD_MODULES.
import { appendFileSync } from "node:fs"

export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context)
  appendFileSync(process.env.RECORD_MODULES, `${resolved.url}\n`)
  return resolved
}
