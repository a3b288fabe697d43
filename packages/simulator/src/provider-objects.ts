import type { Catalog, ProviderPreferences } from "@switchyard/core"
import type { ResolvedScenario } from "./resolve-scenario.js"
import type { ScenarioPolicy } from "./scenario.js"

/** The `provider` object of each call variant, per traffic class (built once per policy). */
export const providerObjects = (
  s: ResolvedScenario,
  policy: ScenarioPolicy,
): ReadonlyArray<{ readonly plain: ProviderPreferences | undefined; readonly pt: ProviderPreferences }> => {
  const provisioned = s.endpoints.filter((e) => e.pool === "provisioned").map((e) => e.slug)
  const ptOrder = policy.ptOrder ?? provisioned
  // the cheapest after its discount, as the catalog prices it (prompt + completion per M tokens)
  const discounted = (e: ResolvedScenario["endpoints"][number]) =>
    (e.price.prompt + e.price.completion) * (1 - (e.price.discount ?? 0))
  const cheapest = [...s.endpoints]
    .filter((e) => (e.pool ?? "standard") === "standard")
    .sort((a, b) => discounted(a) - discounted(b))[0]
  const target = policy.target ?? cheapest?.slug ?? s.endpoints[0]!.slug
  return s.classes.map((c) => {
    const base: ProviderPreferences = {
      ...c.provider,
      ...(c.priority !== undefined && { priority: c.priority }),
      ...policy.provider,
    }
    const pt: ProviderPreferences = { ...base, order: ptOrder, allow_fallbacks: true }
    switch (policy.kind) {
      case "single-provider":
        return { plain: { ...base, only: [target], allow_fallbacks: false }, pt }
      case "pt-first":
        return { plain: pt, pt }
      default:
        return { plain: Object.keys(base).length > 0 ? base : undefined, pt }
    }
  })
}

/**
 * Each traffic class's name and effective priority under a policy — what its requests send (the
 * class's `priority`, its `provider` object, the policy's), else the catalog's `routing.defaultPriority`:
 * the groups the report (and the advisor's targets) name.
 */
export const effectiveClasses = (
  providers: ReturnType<typeof providerObjects>,
  s: ResolvedScenario,
  catalog: Catalog,
): ReadonlyArray<{ readonly name: string; readonly priority: string }> =>
  s.classes.map((c, k) => ({
    name: c.name,
    priority: providers[k]!.plain?.priority ?? catalog.routing.defaultPriority,
  }))
