import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import { ConfigInvalid } from "../errors.js"
import { toConfigInvalid } from "../schema/decode.js"
import { cachePrices } from "./cache-prices.js"
import type { Catalog, ModelEntry } from "./catalog.js"
import { CatalogConfig, type EndpointConfig, type ModelConfig } from "./config.js"
import { FALLBACK_MAX_TOKENS, resolveRouting } from "./defaults.js"
import type { Endpoint } from "./endpoint.js"

const decodeConfig = Schema.decodeUnknownResult(CatalogConfig)

const makeEndpoint = (model: ModelConfig, e: EndpointConfig, kind: string): Endpoint => {
  const slug = e.variant ? `${e.provider}/${e.variant}` : e.provider
  const keep = 1 - (e.price.discount ?? 0)
  const cache = cachePrices(e.price, kind)
  return {
    id: `${model.id}@${slug}`,
    model: model.id,
    provider: e.provider,
    slug,
    serviceTier: e.serviceTier ?? false,
    providerKind: kind,
    upstreamModel: e.upstreamModel ?? model.id,
    price: e.price,
    effectivePrompt: e.price.prompt * keep,
    effectiveCompletion: e.price.completion * keep,
    effectiveCacheRead: cache.read * keep,
    effectiveCacheWrite: cache.write * keep,
    effectiveCacheWrite1h: cache.write1h * keep,
    contextLength: e.contextLength,
    maxOutput: e.maxOutput,
    defaultMaxTokens:
      e.defaultMaxTokens ??
      model.defaults?.max_tokens ??
      Math.min(e.maxOutput ?? FALLBACK_MAX_TOKENS, FALLBACK_MAX_TOKENS),
    supportedParameters: new Set(e.supportedParameters ?? []),
    quantization: e.quantization ?? "unknown",
    dataPolicy: e.dataPolicy ?? { collects: false, zdr: false },
    pool: e.pool ?? "standard",
    capacity: e.capacity,
    outputWeight: e.outputWeight ?? 1,
  }
}

const invalid = (path: string, message: string) =>
  new ConfigInvalid({ message: `Invalid catalog: ${path}: ${message}`, path, issues: [`${path}: ${message}`] })

/** Validate a catalog config (already decoded) for cross-references and build the immutable `Catalog`. */
export const buildCatalog = (config: CatalogConfig): Result.Result<Catalog, ConfigInvalid> => {
  const providers = new Map(config.providers.map((p) => [p.slug, p]))
  if (providers.size !== config.providers.length) {
    const dup = config.providers.findIndex((p, i) => config.providers.findIndex((q) => q.slug === p.slug) !== i)
    return Result.fail(invalid(`providers.${dup}.slug`, `duplicate provider slug "${config.providers[dup]?.slug}"`))
  }
  const models = new Map<string, ModelEntry>()
  const aliases = new Map<string, string>()
  const endpoints: Array<Endpoint> = []
  for (const [mi, model] of config.models.entries()) {
    if (aliases.has(model.id))
      return Result.fail(invalid(`models.${mi}.id`, `duplicate model id or alias "${model.id}"`))
    aliases.set(model.id, model.id)
    const own: Array<Endpoint> = []
    for (const [ei, e] of model.endpoints.entries()) {
      const provider = providers.get(e.provider)
      if (!provider)
        return Result.fail(invalid(`models.${mi}.endpoints.${ei}.provider`, `unknown provider "${e.provider}"`))
      const endpoint = makeEndpoint(model, e, provider.kind)
      if (own.some((o) => o.slug === endpoint.slug))
        return Result.fail(invalid(`models.${mi}.endpoints.${ei}`, `duplicate endpoint slug "${endpoint.slug}"`))
      own.push(endpoint)
    }
    endpoints.push(...own)
    models.set(model.id, {
      id: model.id,
      config: model,
      defaultMaxTokens: model.defaults?.max_tokens,
      defaultProvider: model.defaults?.provider,
      endpoints: own,
    })
  }
  for (const [mi, model] of config.models.entries()) {
    for (const [ai, alias] of (model.aliases ?? []).entries()) {
      const existing = aliases.get(alias)
      if (existing !== undefined && existing !== model.id)
        return Result.fail(invalid(`models.${mi}.aliases.${ai}`, `alias "${alias}" already names "${existing}"`))
      aliases.set(alias, model.id)
    }
  }
  return Result.succeed({
    config,
    providers,
    models,
    aliases,
    endpoints,
    endpointsById: new Map(endpoints.map((e) => [e.id, e])),
    routing: resolveRouting(config.routing),
  })
}

/** Decode unknown JSON into a `Catalog`, with path-precise errors (`models.0.endpoints.1.price.prompt: …`). */
export const decodeCatalog = (json: unknown): Result.Result<Catalog, ConfigInvalid> => {
  const decoded = decodeConfig(json, { errors: "all" })
  return Result.isFailure(decoded)
    ? Result.fail(toConfigInvalid("catalog", decoded.failure))
    : buildCatalog(decoded.success)
}
