import { createApp } from "./app.js"

const { app, close } = await createApp({ LLM_KEY: "sk-local", ...process.env })
const server = app.listen(Number(process.env.PORT ?? 3000), "127.0.0.1", () =>
  console.log("app on http://127.0.0.1:3000 — LLM gateway at /llm/v1 (key: $LLM_KEY, default sk-local)"),
)
process.once("SIGTERM", () => server.close(() => void close()))
