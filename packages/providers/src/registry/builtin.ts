/**
 * The plugins this package ships, by kind. Other helpers register theirs here:
 * add the import and the array entry at the marked spots.
 */
import { azureOpenAiPlugin } from "../azure-openai/plugin.js"
import { openAiCompatiblePlugin } from "../openai-compatible/plugin.js"
import type { AnyProviderPlugin } from "./registry.js"
// [plugins: google, google-vertex, anthropic] import { googlePlugin, googleVertexPlugin } from "../google/index.js"
// [plugins: google, google-vertex, anthropic] import { anthropicPlugin } from "../anthropic/index.js"
// [plugins: simulated] import { simulatedPlugin } from "../simulated/index.js"

export const builtinPlugins: ReadonlyArray<AnyProviderPlugin> = [
  openAiCompatiblePlugin,
  azureOpenAiPlugin,
  // [plugins: google, google-vertex, anthropic] googlePlugin, googleVertexPlugin, anthropicPlugin,
  // [plugins: simulated] simulatedPlugin,
]
