/** The plugins this package ships, by kind. */
import { anthropicPlugin } from "../anthropic/index.js"
import { azureOpenAiPlugin } from "../azure-openai/plugin.js"
import { googlePlugin, googleVertexPlugin } from "../google/index.js"
import { openAiCompatiblePlugin } from "../openai-compatible/plugin.js"
import { simulatedPlugin } from "../simulated/index.js"
import type { AnyProviderPlugin } from "./any-plugin.js"

export const builtinPlugins: ReadonlyArray<AnyProviderPlugin> = [
  openAiCompatiblePlugin,
  azureOpenAiPlugin,
  googlePlugin,
  googleVertexPlugin,
  anthropicPlugin,
  simulatedPlugin,
]
