/**
 * An existing Express 5 app (its own JSON API) that gains an OpenAI-compatible LLM endpoint under
 * `/llm`: `POST /llm/v1/chat/completions`, `GET /llm/v1/models`, … Point any OpenAI SDK at
 * `http://host/llm/v1`.
 */
import { gatewayFromConfig } from "@switchyard/adapters"
import { switchyardExpress } from "@switchyard/adapters/express"
import { deploymentMaker } from "@switchyard/providers"
import express from "express"

/** A small catalog of simulated providers (swap in real ones: see examples/gateway/config.real-providers.json). */
export const llmConfig = {
  providers: [
    { slug: "cheap", kind: "simulated", options: { latency: 30, throughput: 400, outputTokens: 12 } },
    { slug: "fast", kind: "simulated", options: { latency: 5, throughput: 800, outputTokens: 12 } },
  ],
  models: [
    {
      id: "acme/assistant",
      endpoints: [
        { provider: "cheap", price: { prompt: 0.2, completion: 0.8 }, contextLength: 32000 },
        { provider: "fast", price: { prompt: 0.5, completion: 1.5 }, contextLength: 32000 },
      ],
    },
  ],
  gateway: { keys: [{ name: "web", key: { env: "LLM_KEY" } }] },
}

export const createApp = async (
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<{ app: express.Express; close: () => Promise<void> }> => {
  // Built once per process: config → provider clients → router runtime → gateway.
  const llm = await gatewayFromConfig(llmConfig, {
    makeDeployment: deploymentMaker({ env }),
    env,
  })

  const app = express()
  // The gateway reads the raw body itself: mount it before the app's body parsers.
  app.use("/llm", switchyardExpress(llm.gateway))

  // ... the app's own routes, unchanged
  app.use(express.json())
  const todos: Array<{ id: number; title: string }> = []
  app.get("/todos", (_req, res) => {
    res.json(todos)
  })
  app.post("/todos", (req, res) => {
    const todo = { id: todos.length + 1, title: String(req.body?.title ?? "") }
    todos.push(todo)
    res.status(201).json(todo)
  })

  return { app, close: llm.close }
}
