import type { Catalog, EndpointStatus, ModelEntry } from "@switchyard/core"

/** USD per million tokens → OpenRouter's per-token decimal string (`1.25` → `"0.00000125"`). */
export const perToken = (perMillion: number): string => {
  const s = (perMillion / 1e6).toFixed(12)
  return s.includes(".") ? s.replace(/0+$/, "").replace(/\.$/, "") : s
}

const ownerOf = (id: string): string => {
  const slash = id.indexOf("/")
  return slash > 0 ? id.slice(0, slash) : "switchyard"
}

/** One model in OpenAI's `/v1/models` shape, plus what a router user wants at a glance. */
export const modelObject = (model: ModelEntry, created: number) => ({
  id: model.id,
  object: "model",
  created,
  owned_by: ownerOf(model.id),
  name: model.config.name ?? model.id,
  aliases: model.config.aliases ?? [],
  context_length: model.endpoints.reduce((m, e) => Math.max(m, e.contextLength), 0),
  endpoints: model.endpoints.length,
})

export const modelList = (catalog: Catalog, created: number) => ({
  object: "list",
  data: Array.from(catalog.models.values(), (m) => modelObject(m, created)),
})

const pick = (p: EndpointStatus["latency"]) => (p === undefined ? null : { p50: p.p50, p90: p.p90 })

/** `GET /v1/models/{id}/endpoints`: each endpoint's static facts and live numbers. */
export const endpointList = (model: ModelEntry, statuses: ReadonlyArray<EndpointStatus>) => ({
  data: {
    id: model.id,
    name: model.config.name ?? model.id,
    endpoints: statuses.map((s) => {
      const e = s.endpoint
      return {
        id: e.id,
        name: `${e.slug} | ${e.model}`,
        provider_name: e.provider,
        tag: e.slug,
        pool: e.pool,
        model_id: e.model,
        upstream_model: e.upstreamModel,
        context_length: e.contextLength,
        max_completion_tokens: e.maxOutput ?? null,
        quantization: e.quantization,
        supported_parameters: [...e.supportedParameters],
        pricing: {
          prompt: perToken(e.effectivePrompt),
          completion: perToken(e.effectiveCompletion),
          input_cache_read: perToken(e.effectiveCacheRead),
          input_cache_write: perToken(e.effectiveCacheWrite),
          input_cache_write_1h: perToken(e.effectiveCacheWrite1h),
          ...(e.price.request !== undefined ? { request: String(e.price.request) } : {}),
          ...(e.price.discount !== undefined ? { discount: e.price.discount } : {}),
        },
        /** USD per million tokens, list price before discount. */
        price: e.price,
        data_policy: e.dataPolicy,
        capacity: e.capacity ?? null,
        /** Time to first token, seconds. */
        latency: pick(s.latency),
        /** Output tokens per second. */
        throughput: pick(s.throughput),
        /** Percent of successful requests in the stats window (rate limits excluded); null without data. */
        uptime: s.uptime === undefined ? null : Math.round(s.uptime * 10000) / 100,
        /** Capacity bucket level, 1 = 100%; null when untracked. */
        utilization: s.utilization ?? null,
        breaker: s.breaker,
        cooldown_until: s.cooldownUntil ?? null,
      }
    }),
  },
})
