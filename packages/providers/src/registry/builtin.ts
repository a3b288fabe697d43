/**
 * The plugins this package ships, by kind. The google/anthropic and simulated helpers register theirs
 * here: uncomment the marked import and array entry.
 */
import { azureOpenAiPlugin } from "../azure-openai/plugin.js"
import { openAiCompatiblePlugin } from "../openai-compatible/plugin.js"
import type { AnyProviderPlugin } from "./registry.js"

// [plugins: google, google-vertex] import { googlePlugin, googleVertexPlugin } from "../google/index.js"
// [plugins: anthropic]             import { anthropicPlugin } from "../anthropic/index.js"
// [plugins: simulated]             import { simulatedPlugin } from "../simulated/index.js"

export const builtinPlugins: ReadonlyArray<AnyProviderPlugin> = [
  openAiCompatiblePlugin,
  azureOpenAiPlugin,
  // [plugins: google, google-vertex] googlePlugin, googleVertexPlugin,
  // [plugins: anthropic]             anthropicPlugin,
  // [plugins: simulated]             simulatedPlugin,
]
