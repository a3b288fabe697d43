import { serve } from "@hono/node-server"
import { createApp } from "./app.js"

const { app, close } = await createApp()
const server = serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 3000), hostname: "127.0.0.1" }, (info) =>
  console.log(`app on http://127.0.0.1:${info.port} — LLM gateway at /llm/v1`),
)
process.once("SIGTERM", () => server.close(() => void close()))
