/**
 * Built once per Lambda container (module scope, top-level await): config → provider clients →
 * router runtime → gateway. Warm invocations reuse all of it; live stats and capacity persist for
 * the container's life.
 */
import { gatewayFromConfig } from "@switchyard/adapters"
import { deploymentMaker } from "@switchyard/providers"

export const llmConfig = {
  providers: [
    { slug: "cheap", kind: "simulated", options: { latency: 20, throughput: 500, outputTokens: 12 } },
    { slug: "backup", kind: "simulated", options: { latency: 10, throughput: 500, outputTokens: 12 } },
  ],
  models: [
    {
      id: "acme/assistant",
      endpoints: [
        { provider: "cheap", price: { prompt: 0.2, completion: 0.8 }, contextLength: 32000 },
        { provider: "backup", price: { prompt: 0.4, completion: 1.6 }, contextLength: 32000 },
      ],
    },
  ],
  // In a real deployment the key comes from the function's environment (e.g. a Secrets Manager extension).
  gateway: { keys: [{ name: "lambda", key: { env: "SWITCHYARD_GATEWAY_KEY" } }] },
}

export const { gateway } = await gatewayFromConfig(llmConfig, {
  makeDeployment: deploymentMaker(),
})
