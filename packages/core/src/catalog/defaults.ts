import type { RoutingDefaults } from "./catalog.js"
import type { RoutingConfig } from "./config.js"

/** Defaults for every router-wide setting; documented in the README's configuration section. */
export const routingDefaults: RoutingDefaults = {
  escalation: "allow",
  criticalHeadroom: 0.2,
  defaultPriority: "default",
  maxAttempts: 5,
  requestTimeoutMs: 120_000,
  attemptTimeoutMs: 60_000,
  firstTokenTimeoutMs: 20_000,
  attemptTimeoutMultiplier: 4,
  attemptTimeoutFloorMs: 2_000,
  fallbackReserve: 0.5,
  maxWaitMs: 0,
  failurePenalty: 1,
  retryBudget: 0.5,
  maxRetrySleepMs: 2_000,
  admission: true,
  hedge: false,
  hedgeBudget: 0.1,
  statsWindowMs: 5 * 60_000,
  outageWindowMs: 30_000,
  affinity: { enabled: true, tolerance: 0.25, ttlMs: 300_000, prefixMessages: 0 },
}

export const resolveRouting = (config: RoutingConfig | undefined): RoutingDefaults => ({
  ...routingDefaults,
  ...config,
  affinity: { ...routingDefaults.affinity, ...config?.affinity },
})

/** Expected output tokens when neither the request nor the endpoint says. */
export const FALLBACK_MAX_TOKENS = 1024
