import type { Quantization } from "../schema/provider-preferences.js"
import type { Capacity, DataPolicy, Pool, Price } from "./config.js"

/**
 * One way to serve one model, resolved from the catalog config with defaults applied.
 * Built once when the catalog loads; the hot path only reads it.
 */
export interface Endpoint {
  /** Unique key for live state: `${model}@${slug}`. */
  readonly id: string
  /** Canonical model id (catalog). */
  readonly model: string
  /** Provider slug as declared (`google-vertex`). */
  readonly provider: string
  /** Full slug (`google-vertex/pt`), or the provider slug when there is no variant. */
  readonly slug: string
  readonly serviceTier: boolean
  readonly providerKind: string
  readonly upstreamModel: string
  readonly price: Price
  /** USD per million prompt / completion tokens after discount. */
  readonly effectivePrompt: number
  readonly effectiveCompletion: number
  /**
   * USD per million prompt tokens read from / written to the provider's prompt cache (5-minute and
   * 1-hour writes), after discount: the endpoint's `price`, else its provider kind's default (`cache-prices.ts`).
   */
  readonly effectiveCacheRead: number
  readonly effectiveCacheWrite: number
  readonly effectiveCacheWrite1h: number
  readonly contextLength: number
  readonly maxOutput: number | undefined
  readonly defaultMaxTokens: number
  /** Empty set = parameter support unknown (treated as supporting everything). */
  readonly supportedParameters: ReadonlySet<string>
  readonly quantization: Quantization
  readonly dataPolicy: DataPolicy
  readonly pool: Pool
  readonly capacity: Capacity | undefined
  readonly outputWeight: number
}
