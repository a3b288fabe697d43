/**
 * Built once per Lambda container (module scope, top-level await): config → provider clients →
 * router runtime → gateway. Warm invocations reuse all of it. With `SWITCHYARD_REDIS_URL` set, every
 * concurrent instance shares one live state (capacity, cooldowns, stats, retry budget) through that
 * Redis (e.g. ElastiCache in the function's VPC); without it each container keeps its own, in memory.
 */
import { gatewayFromConfig } from "@switchyard/adapters"
import { deploymentMaker } from "@switchyard/providers"
import { RedisState } from "@switchyard/redis"

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

/** One container's gateway; `env.SWITCHYARD_REDIS_URL` shares its live state with every other instance. */
export const makeGateway = (env: Readonly<Record<string, string | undefined>>) => {
  const redisUrl = env.SWITCHYARD_REDIS_URL
  const config = redisUrl ? { ...llmConfig, state: { redis: { url: redisUrl } } } : llmConfig
  return gatewayFromConfig(config, { makeDeployment: deploymentMaker(), makeState: RedisState.fromConfig, env })
}

export const { gateway } = await makeGateway(process.env)
