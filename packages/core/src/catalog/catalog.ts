import type { Priority, ProviderPreferences } from "../schema/provider-preferences.js"
import type { CatalogConfig, ModelConfig, ProviderConfig } from "./config.js"
import type { Endpoint } from "./endpoint.js"

/** Router-wide settings with every default applied (see `RoutingConfig` for the meaning of each). */
export interface RoutingDefaults {
  readonly escalation: "allow" | "deny"
  readonly criticalHeadroom: number
  readonly defaultPriority: Priority
  readonly maxAttempts: number
  readonly requestTimeoutMs: number
  readonly attemptTimeoutMs: number
  readonly firstTokenTimeoutMs: number
  readonly attemptTimeoutMultiplier: number
  readonly attemptTimeoutFloorMs: number
  readonly fallbackReserve: number
  readonly maxWaitMs: number
  readonly failurePenalty: number
  readonly retryBudget: number
  readonly maxRetrySleepMs: number
  readonly admission: boolean
  readonly hedge: boolean
  readonly hedgeBudget: number
  readonly statsWindowMs: number
  readonly outageWindowMs: number
  readonly affinity: {
    readonly enabled: boolean
    readonly tolerance: number
    readonly ttlMs: number
    readonly prefixMessages: number
  }
}

export interface ModelEntry {
  readonly id: string
  readonly config: ModelConfig
  readonly defaultMaxTokens: number | undefined
  readonly defaultProvider: ProviderPreferences | undefined
  /** Endpoints of this model, in config order. */
  readonly endpoints: ReadonlyArray<Endpoint>
}

/** The loaded, validated catalog: immutable, built once per config (re)load. */
export interface Catalog {
  readonly config: CatalogConfig
  readonly providers: ReadonlyMap<string, ProviderConfig>
  /** Canonical id → model. */
  readonly models: ReadonlyMap<string, ModelEntry>
  /** Alias → canonical id (canonical ids map to themselves). */
  readonly aliases: ReadonlyMap<string, string>
  readonly endpoints: ReadonlyArray<Endpoint>
  readonly endpointsById: ReadonlyMap<string, Endpoint>
  readonly routing: RoutingDefaults
}
