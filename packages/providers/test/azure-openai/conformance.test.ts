import { expect } from "vitest"
import { azureOpenAiPlugin } from "../../src/azure-openai/plugin.js"
import { testEndpoint } from "../conformance/endpoint.js"
import { runConformance } from "../conformance/suite.js"
import { API_VERSION, azureWire, deploymentPath } from "./wire.js"

const endpoint = testEndpoint({ provider: "azure", providerKind: "azure-openai", upstreamModel: "gpt-4o" })
const wire = azureWire()

runConformance({
  name: "azure-openai (Azure recordings)",
  plugin: azureOpenAiPlugin,
  options: ({ baseUrl, apiKey, timeouts }) => ({
    resourceUrl: baseUrl,
    apiVersion: API_VERSION,
    apiKey,
    ...(timeouts ? { timeouts } : {}),
  }),
  endpoint,
  wire: {
    ...wire,
    checkRequest: (req, ctx) => {
      wire.checkRequest(req, ctx)
      expect(req.url).toBe(deploymentPath(ctx.endpoint))
    },
  },
})
