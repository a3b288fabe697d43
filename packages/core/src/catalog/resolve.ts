import * as Result from "effect/Result"
import { ModelNotFound } from "../errors.js"
import type { Catalog, ModelEntry } from "./catalog.js"

/**
 * Resolve the request's models (primary then `models[]` fallbacks, aliases allowed) to catalog entries,
 * in order, without duplicates. Unknown fallbacks are skipped; an unknown primary with no known
 * fallback is `ModelNotFound`.
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
    const model = requested[0] ?? ""
    return Result.fail(
      new ModelNotFound({
        model,
        message:
          requested.length > 1
            ? `None of the models ${requested.map((m) => `'${m}'`).join(", ")} exist in this gateway's catalog`
            : `The model '${model}' does not exist in this gateway's catalog`,
      }),
    )
  }
  return Result.succeed(out)
}
