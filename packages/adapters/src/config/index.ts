export { type BuiltDeployment, buildDeployment, type MakeDeployment } from "./deployments.js"
export {
  AdminKeyConfig,
  decodeGatewayConfig,
  type GatewayConfig,
  GatewayKeyConfig,
  GatewaySection,
  keysFromEnv,
  parseGatewayConfig,
  SecretRef,
} from "./gateway-config.js"
export { ConfigReloader, type ConfigReloaderOptions, type ReloadOutcome } from "./reloader.js"
