/**
 * An existing Hono app that mounts the Switchyard gateway as a sub-app under `/llm`:
 * `POST /llm/v1/chat/completions`, `GET /llm/v1/models`, … The same app runs on Node
 * (`@hono/node-server`), Bun, Deno or Workers.
 */
import { gatewayFromConfig } from "@switchyard/adapters"
import { switchyardHono } from "@switchyard/adapters/hono"
import { deploymentMaker } from "@switchyard/providers"
import { Hono } from "hono"

export const llmConfig = {
  providers: [
    { slug: "cheap", kind: "simulated", options: { latency: 30, throughput: 400, outputTokens: 12 } },
    { slug: "pt", kind: "simulated", options: { latency: 5, throughput: 800, outputTokens: 12 } },
  ],
  models: [
    {
      id: "acme/assistant",
      endpoints: [
        { provider: "cheap", price: { prompt: 0.2, completion: 0.8 }, contextLength: 32000 },
        {
          provider: "pt",
          pool: "provisioned",
          price: { prompt: 0.3, completion: 1.2 },
          contextLength: 32000,
          capacity: { tokensPerMinute: 100000 },
        },
      ],
    },
  ],
}

export const createApp = async (env: Readonly<Record<string, string | undefined>> = process.env) => {
  const llm = await gatewayFromConfig(llmConfig, {
    makeDeployment: deploymentMaker({ env }),
    env,
  })

  const app = new Hono()
  app.get("/", (c) => c.text("my app"))
  app.get("/api/hello/:name", (c) => c.json({ hello: c.req.param("name") }))
  app.route("/llm", switchyardHono(llm.gateway))
  return { app, close: llm.close }
}
