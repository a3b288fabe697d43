export { type BuiltDeployment, buildDeployment, type MakeDeployment } from "./deployments.js"
export {
  AdminKeyConfig,
  decodeGatewayConfig,
  type GatewayConfig,
  GatewayKeyConfig,
  GatewaySection,
  keysFromEnv,
  MAX_REDIS_CLUSTER_NODES,
  parseGatewayConfig,
  RedisClusterSection,
  RedisStateSection,
  SecretRef,
  type StateConfig,
  StateSection,
} from "./gateway-config.js"
export { ConfigReloader, type ConfigReloaderOptions, type ReloadOutcome } from "./reloader.js"
