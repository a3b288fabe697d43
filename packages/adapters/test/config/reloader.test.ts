import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { ActiveDeployment, ConfigInvalid, type Deployment } from "@switchyard/core"
import { Effect } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import { ConfigReloader, createGateway, type MakeDeployment } from "../../src/index.js"
import { call } from "../support/call.js"
import { eventually, eventuallyAsync } from "../support/listen.js"
import { captureLogs } from "../support/logs.js"
import { surfaceRuntime } from "../support/surface-router.js"

const log = captureLogs()
const { runtime } = surfaceRuntime(log.layer)
const lastRecord = () => log.records().at(-1)
afterAll(() => runtime.dispose())

const config = (price: number, key: string) =>
  JSON.stringify({
    providers: [{ slug: "sim", kind: "simulated" }],
    models: [
      {
        id: `model-${price}`,
        endpoints: [{ provider: "sim", price: { prompt: price, completion: price }, contextLength: 1000 }],
      },
    ],
    gateway: { keys: [{ name: "k", key }] },
  })

/** Provider clients stand-in: records which deployments were built and closed. */
const tracking = () => {
  const built: Array<string> = []
  const closed: Array<string> = []
  const make: MakeDeployment = (catalog) =>
    Effect.gen(function* () {
      const id = [...catalog.models.keys()].join(",")
      if (id.includes("model-666"))
        return yield* Effect.fail(
          new ConfigInvalid({
            message: "providers.0.options.baseUrl: bad",
            path: "providers.0.options.baseUrl",
            issues: [],
          }),
        )
      built.push(id)
      yield* Effect.addFinalizer(() => Effect.sync(() => closed.push(id)))
      return { catalog, clients: new Map() } satisfies Deployment
    })
  return { built, closed, make }
}

const activeModels = () =>
  runtime.runPromise(ActiveDeployment.use((a) => a.get)).then((d) => [...d.catalog.models.keys()])

describe("ConfigReloader", () => {
  it("applies a valid change: swaps the deployment and the keys, and retires the old deployment after the drain period", async () => {
    const dir = mkdtempSync(join(tmpdir(), "switchyard-reload-"))
    const file = join(dir, "gateway.json")
    writeFileSync(file, config(1, "sk-one"))
    const gateway = createGateway({ runtime, keys: [{ name: "k", key: "sk-one" }] })
    const { built, closed, make } = tracking()
    const reloader = new ConfigReloader({ file, runtime, gateway, makeDeployment: make, env: {}, drainMs: 50 })
    expect(await reloader.reload()).toBe("applied")
    expect(await activeModels()).toEqual(["model-1"])
    writeFileSync(file, config(2, "sk-two"))
    expect(await reloader.reload()).toBe("applied")
    expect(await activeModels()).toEqual(["model-2"])
    expect(built).toEqual(["model-1", "model-2"])
    await eventually(() => closed.includes("model-1"))
    expect(closed).not.toContain("model-2")
    const hello = { model: "x", messages: [{ role: "user", content: "hi" }] }
    expect(
      (await call(gateway, { path: "/v1/chat/completions", headers: { authorization: "Bearer sk-one" }, body: hello }))
        .status,
    ).toBe(401)
    expect(
      (await call(gateway, { path: "/v1/chat/completions", headers: { authorization: "Bearer sk-two" }, body: hello }))
        .status,
    ).toBe(200)
    expect(lastRecord()).toMatchObject({
      level: "info",
      msg: "config reloaded",
      file,
      models: 1,
      endpoints: 1,
      keys: 1,
      admin_keys: 0,
    })
    expect(await reloader.reload()).toBe("unchanged")
    await reloader.close(true)
    expect(closed).toContain("model-2")
  })

  it("rejects an invalid file (schema or provider clients) with one clear log line and keeps the running config", async () => {
    const dir = mkdtempSync(join(tmpdir(), "switchyard-reload-"))
    const file = join(dir, "gateway.json")
    writeFileSync(file, config(3, "sk-three"))
    const gateway = createGateway({ runtime })
    const { built, make } = tracking()
    const reloader = new ConfigReloader({ file, runtime, gateway, makeDeployment: make, env: {} })
    expect(await reloader.reload()).toBe("applied")
    writeFileSync(file, '{"providers": [], "models": [{"id": "m"}]}')
    expect(await reloader.reload()).toBe("rejected")
    expect(lastRecord()).toMatchObject({
      level: "warn",
      msg: "config reload rejected; keeping the running config",
      file,
    })
    expect(lastRecord()?.reason).toMatch(/models\.0\.endpoints/)
    writeFileSync(file, config(666, "sk-x"))
    expect(await reloader.reload()).toBe("rejected")
    expect(lastRecord()?.reason).toMatch(/providers\.0\.options\.baseUrl/)
    expect(await activeModels()).toEqual(["model-3"])
    expect(built).toEqual(["model-3"])
    expect(log.text()).not.toContain("sk-three")
    await reloader.close(true)
  })

  it("reloads when the file changes on disk, and on SIGHUP", async () => {
    const dir = mkdtempSync(join(tmpdir(), "switchyard-reload-"))
    const file = join(dir, "gateway.json")
    writeFileSync(file, config(4, "sk-4"))
    const gateway = createGateway({ runtime })
    const { make } = tracking()
    const reloader = new ConfigReloader({
      file,
      runtime,
      gateway,
      makeDeployment: make,
      env: {},

      debounceMs: 20,
    })
    await reloader.reload()
    reloader.start()
    try {
      writeFileSync(file, config(5, "sk-5"))
      await eventuallyAsync(async () => (await activeModels())[0] === "model-5")
    } finally {
      await reloader.close(true)
    }
  })

  it("reloads on SIGHUP", async () => {
    const dir = mkdtempSync(join(tmpdir(), "switchyard-reload-"))
    const file = join(dir, "gateway.json")
    writeFileSync(file, config(6, "sk-6"))
    const gateway = createGateway({ runtime })
    const { make } = tracking()
    // a long debounce: only the signal can trigger the reload within the test's wait
    const reloader = new ConfigReloader({
      file,
      runtime,
      gateway,
      makeDeployment: make,
      env: {},

      debounceMs: 60_000,
    })
    await reloader.reload()
    reloader.start()
    try {
      writeFileSync(file, config(7, "sk-7"))
      process.kill(process.pid, "SIGHUP")
      await eventuallyAsync(async () => (await activeModels())[0] === "model-7")
    } finally {
      await reloader.close(true)
    }
  })
})
