// Three of prom-client's own modules, imported by `prom-client.ts` instead of its index (CommonJS: the default
// import is `module.exports`). Their shapes are prom-client's public types.
declare module "prom-client/lib/registry.js" {
  import type { Registry } from "prom-client"

  const RegistryClass: typeof Registry
  export default RegistryClass
}
declare module "prom-client/lib/counter.js" {
  import type { Counter } from "prom-client"

  const CounterClass: typeof Counter
  export default CounterClass
}
declare module "prom-client/lib/gauge.js" {
  import type { Gauge } from "prom-client"

  const GaugeClass: typeof Gauge
  export default GaugeClass
}
