export { makeKeys } from "./keys.js"
export { RedisState, type StateSectionConfig } from "./layer.js"
export { SCRIPTS } from "./lua/scripts.js"
export { type RedisStateOptions, resolveRedisOptions } from "./options.js"
