/** `src/main.ts` as a process: the start banner. */
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { type GatewayProcess, startGatewayProcess } from "./support/gateway-process.js"

const running: Array<GatewayProcess> = []
afterEach(async () => {
  for (const p of running.splice(0)) await p.stop()
})

const writeConfig = (config: unknown): string => {
  const file = join(mkdtempSync(join(tmpdir(), "switchyard-main-")), "gateway.json")
  writeFileSync(file, JSON.stringify(config))
  return file
}

describe("the start banner", () => {
  it("lists the models when the gateway keys come from the config file", async () => {
    const file = writeConfig({
      providers: [{ slug: "sim", kind: "simulated", options: { latency: 1 } }],
      models: [
        { id: "acme/one", endpoints: [{ provider: "sim", price: { prompt: 1, completion: 1 }, contextLength: 1000 }] },
        { id: "acme/two", endpoints: [{ provider: "sim", price: { prompt: 1, completion: 1 }, contextLength: 1000 }] },
      ],
      gateway: { keys: [{ name: "only", key: "sk-config-only-key" }] },
    })
    const gw = await startGatewayProcess(["--config", file], {})
    running.push(gw)
    expect(gw.stdout()).toMatch(/models: acme\/one, acme\/two/)
    expect(gw.stdout()).not.toContain("sk-config-only-key")
  })
})
