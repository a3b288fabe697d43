export { makeKeys } from "./keys.js"
export { RedisState, type StateSectionConfig } from "./layer.js"
export { SCRIPTS } from "./lua/scripts.js"
export {
  MAX_CLUSTER_NODES,
  type RedisClusterOptions,
  type RedisServerOptions,
  type RedisStateOptions,
  type RedisTuning,
  resolveRedisOptions,
} from "./options.js"
