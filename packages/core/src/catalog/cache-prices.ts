import type { Price } from "./config.js"

/** Cache prices as multiples of the endpoint's prompt price. */
export interface CacheMultipliers {
  /** A prompt token read from the cache. */
  readonly read: number
  /** A prompt token written to the cache (Anthropic: for 5 minutes). */
  readonly write: number
  /** A prompt token written to the cache for one hour (Anthropic). */
  readonly write1h: number
}

/** A provider kind of unknown caching: cached tokens cost what any prompt token costs (never under-charged). */
const NO_DISCOUNT: CacheMultipliers = { read: 1, write: 1, write1h: 1 }

/**
 * Default cache prices per provider kind, used for what an endpoint's `price` does not set, from the
 * providers' published pricing (README, "Prompt caching"):
 * - `anthropic`: reads 0.1×, 5-minute writes 1.25×, 1-hour writes 2× the input price;
 * - `openai-compatible`, `azure-openai`: reads 0.5× (OpenAI's smallest automatic-caching discount —
 *   newer models, DeepSeek and xAI charge less: set `cacheRead`), no write surcharge;
 * - `google`, `google-vertex`: reads 0.1× (implicit caching's 90% discount), no write surcharge;
 * - `simulated`: as Anthropic, so the simulator shows both sides of caching;
 * - any other kind: no discount.
 */
export const CACHE_MULTIPLIERS: Readonly<Record<string, CacheMultipliers>> = {
  anthropic: { read: 0.1, write: 1.25, write1h: 2 },
  "openai-compatible": { read: 0.5, write: 1, write1h: 1 },
  "azure-openai": { read: 0.5, write: 1, write1h: 1 },
  google: { read: 0.1, write: 1, write1h: 1 },
  "google-vertex": { read: 0.1, write: 1, write1h: 1 },
  simulated: { read: 0.1, write: 1.25, write1h: 2 },
}

/** List cache prices (USD per million tokens) of an endpoint: its own, else the kind's default. */
export const cachePrices = (
  price: Price,
  kind: string,
): { readonly read: number; readonly write: number; readonly write1h: number } => {
  const m = Object.hasOwn(CACHE_MULTIPLIERS, kind) ? CACHE_MULTIPLIERS[kind]! : NO_DISCOUNT
  return {
    read: price.cacheRead ?? price.prompt * m.read,
    write: price.cacheWrite ?? price.prompt * m.write,
    write1h: price.cacheWrite1h ?? price.prompt * m.write1h,
  }
}
