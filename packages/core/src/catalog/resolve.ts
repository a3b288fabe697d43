import * as Result from "effect/Result"
import { echoed, ModelNotFound } from "../errors.js"
import type { Catalog, ModelEntry } from "./catalog.js"

/** A model name is echoed in an error cut to this many characters (as `GET /v1/models/{id}` does). */
const MAX_NAME_ECHO = 200
/** Unknown names listed in the error; the rest are counted ("and 7 more"). */
const MAX_NAMES_LISTED = 5

const quoted = (name: string): string => `'${echoed(name, MAX_NAME_ECHO)}'`

/** `'a', 'b', 'c'` or `'a', …, 'e' and 195 more`: a bounded list whatever the request sent. */
const listed = (names: ReadonlyArray<string>): string => {
  const shown = names.slice(0, MAX_NAMES_LISTED).map(quoted).join(", ")
  return names.length > MAX_NAMES_LISTED ? `${shown} and ${names.length - MAX_NAMES_LISTED} more` : shown
}

/**
 * Resolve the request's models (primary then `models[]` fallbacks, aliases allowed) to catalog entries,
 * in order, without duplicates. Unknown fallbacks are skipped; an unknown primary with no known
 * fallback is `ModelNotFound`, whose message names at most 5 of them, each cut to 200 characters (a
 * request's names are the client's input: the error must not grow with them).
 */
export const resolveModels = (
  catalog: Catalog,
  requested: ReadonlyArray<string>,
): Result.Result<ReadonlyArray<ModelEntry>, ModelNotFound> => {
  const out: Array<ModelEntry> = []
  for (const name of requested) {
    const id = catalog.aliases.get(name)
    const entry = id === undefined ? undefined : catalog.models.get(id)
    if (entry && !out.includes(entry)) out.push(entry)
  }
  if (out.length === 0) {
    const model = (requested[0] ?? "").slice(0, MAX_NAME_ECHO)
    return Result.fail(
      new ModelNotFound({
        model,
        message:
          requested.length > 1
            ? `None of the models ${listed(requested)} exist in this gateway's catalog`
            : `The model ${quoted(requested[0] ?? "")} does not exist in this gateway's catalog`,
      }),
    )
  }
  return Result.succeed(out)
}
