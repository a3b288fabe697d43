/**
 * The three pieces of prom-client the metrics use — `Registry`, `Counter`, `Gauge` — imported from their own
 * modules, not from prom-client's index, which also loads the Pushgateway (`http`, `https` and so TLS, `zlib`),
 * the cluster aggregator (`cluster`), every default process metric (`v8`, `perf_hooks`) and `@opentelemetry/api`
 * for exemplars: Node built-ins and ≈ 150 KB of code a gateway process would carry without using them. The
 * types are prom-client's public ones (`prom-client-modules.d.ts` declares the three modules).
 */
import type * as PromClient from "prom-client"
import CounterClass from "prom-client/lib/counter.js"
import GaugeClass from "prom-client/lib/gauge.js"
import RegistryClass from "prom-client/lib/registry.js"

export const Registry: typeof PromClient.Registry = RegistryClass
export const Counter: typeof PromClient.Counter = CounterClass
export const Gauge: typeof PromClient.Gauge = GaugeClass
