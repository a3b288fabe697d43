// Two of undici's own modules, imported by `undici.ts` instead of its index (CommonJS: the default import is
// `module.exports`). Their shapes are undici's public types.
declare module "undici/lib/dispatcher/agent.js" {
  import type { Agent } from "undici"

  const AgentClass: typeof Agent
  export default AgentClass
}
declare module "undici/lib/core/errors.js" {
  import type { errors } from "undici"

  const undiciErrors: typeof errors
  export default undiciErrors
}
