/**
 * Catalog `providers` config → one ProviderClient per slug.
 *
 *   makeClients(catalog.providers, registry, process.env)
 *     → Effect<ReadonlyMap<slug, ProviderClient>, ConfigInvalid, Scope>
 *
 * Each provider's `options` is decoded with its plugin's own schema; every problem is reported with a
 * path into the catalog (`providers.2.options.baseUrl: Expected an absolute http(s) URL`,
 * `providers.0.kind: unknown provider kind "foo"`). Clients (and their connection pools) live until the Scope closes.
 */
import { ConfigInvalid, issueLines, type ProviderClient, type ProviderConfig } from "@switchyard/core"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import { type AnyProviderPlugin, makeWithDecoded, type PluginRegistry } from "./registry.js"

interface Prepared {
  readonly slug: string
  readonly index: number
  readonly plugin: AnyProviderPlugin
  readonly options: unknown
}

const invalid = (issues: ReadonlyArray<string>, path: string | null): ConfigInvalid =>
  new ConfigInvalid({ message: `Invalid provider config: ${issues.join("; ")}`, path, issues })

const pathOf = (line: string): string => line.split(": ")[0] ?? line

const prepare = (
  p: ProviderConfig,
  index: number,
  registry: PluginRegistry,
  seen: Set<string>,
): { readonly ok: Prepared } | { readonly issues: ReadonlyArray<string> } => {
  const at = `providers.${index}`
  const issues: Array<string> = []
  if (seen.has(p.slug)) issues.push(`${at}.slug: duplicate provider slug "${p.slug}"`)
  seen.add(p.slug)
  const plugin = registry.get(p.kind)
  if (plugin === undefined) {
    issues.push(`${at}.kind: unknown provider kind "${p.kind}" (known: ${[...registry.keys()].join(", ")})`)
    return { issues }
  }
  const decoded = Schema.decodeUnknownExit(plugin.options as Schema.Decoder<unknown, never>)(p.options ?? {}, {
    errors: "all",
  })
  if (decoded._tag === "Failure") {
    const fail = decoded.cause.reasons.find((r) => r._tag === "Fail")
    if (fail !== undefined && fail._tag === "Fail" && Schema.isSchemaError(fail.error))
      for (const l of issueLines(fail.error))
        issues.push(l.path === "" ? `${at}.options: ${l.message}` : `${at}.options.${l.path}: ${l.message}`)
    else issues.push(`${at}.options: invalid`)
  }
  if (issues.length > 0 || decoded._tag === "Failure") return { issues }
  return { ok: { slug: p.slug, index, plugin, options: decoded.value } }
}

/** Prefix a plugin's own ConfigInvalid (paths relative to its options) with the provider's catalog path. */
const relocate = (e: ConfigInvalid, index: number): ConfigInvalid => {
  const at = `providers.${index}.options`
  const issues = e.issues.map((l) => `${at}.${l}`)
  return invalid(issues, e.path === null ? at : `${at}.${e.path}`)
}

export const makeClients = (
  providers: ReadonlyArray<ProviderConfig>,
  registry: PluginRegistry,
  env: Readonly<Record<string, string | undefined>>,
): Effect.Effect<ReadonlyMap<string, ProviderClient>, ConfigInvalid, Scope.Scope> =>
  Effect.gen(function* () {
    const seen = new Set<string>()
    const prepared = providers.map((p, i) => prepare(p, i, registry, seen))
    const issues = prepared.flatMap((r) => ("issues" in r ? r.issues : []))
    if (issues.length > 0) return yield* Effect.fail(invalid(issues, pathOf(issues[0] ?? "")))
    const clients = new Map<string, ProviderClient>()
    for (const r of prepared) {
      if (!("ok" in r)) continue
      const { slug, index, plugin, options } = r.ok
      const client = yield* makeWithDecoded(plugin, options, { slug, env }).pipe(
        Effect.mapError((e) => relocate(e, index)),
      )
      clients.set(slug, client)
    }
    return clients as ReadonlyMap<string, ProviderClient>
  })
