import { Result } from "effect"
import { describe, expect, it } from "vitest"
import { decodeGatewayConfig, parseGatewayConfig } from "../../src/index.js"

const catalog = {
  providers: [{ slug: "sim", kind: "simulated" }],
  models: [{ id: "m", endpoints: [{ provider: "sim", price: { prompt: 1, completion: 2 }, contextLength: 1000 }] }],
}

describe("gateway config", () => {
  it("reads keys inline and from env, with per-key routing defaults, plus SWITCHYARD_KEYS", () => {
    const r = decodeGatewayConfig(
      {
        ...catalog,
        gateway: {
          keys: [
            { name: "inline", key: "sk-inline" },
            {
              name: "ops",
              key: { env: "OPS_KEY" },
              priority: "critical",
              escalation: "allow",
              provider: { sort: "latency" },
            },
          ],
          maxBodyBytes: 1024,
        },
      },
      { OPS_KEY: "sk-from-env", SWITCHYARD_KEYS: "sk-a, sk-b," },
    )
    const config = Result.getOrThrow(r)
    expect(config.keys).toEqual([
      { name: "inline", key: "sk-inline", defaults: undefined },
      {
        name: "ops",
        key: "sk-from-env",
        defaults: { priority: "critical", escalation: "allow", provider: { sort: "latency" } },
      },
      { name: "SWITCHYARD_KEYS[0]", key: "sk-a" },
      { name: "SWITCHYARD_KEYS[1]", key: "sk-b" },
    ])
    expect(config.maxBodyBytes).toBe(1024)
    expect(config.catalog.models.has("m")).toBe(true)
  })

  it("a key whose env variable is unset is a config error naming the variable, not a silent open gateway", () => {
    const r = decodeGatewayConfig({ ...catalog, gateway: { keys: [{ name: "ops", key: { env: "MISSING_KEY" } }] } }, {})
    expect(Result.isFailure(r)).toBe(true)
    if (Result.isFailure(r)) {
      expect(r.failure.path).toBe("gateway.keys.0.key")
      expect(r.failure.message).toContain("MISSING_KEY")
    }
  })

  it("reports catalog and gateway-section errors with their paths", () => {
    const bad = decodeGatewayConfig({ ...catalog, models: [{ id: "m", endpoints: [] }] }, {})
    expect(Result.isFailure(bad) && bad.failure.path).toBe("models.0.endpoints")
    const badKeys = decodeGatewayConfig(
      { ...catalog, gateway: { keys: [{ name: "x", key: "k", priority: "urgent" }] } },
      {},
    )
    expect(Result.isFailure(badKeys) && badKeys.failure.path).toBe("gateway.keys.0.priority")
  })

  it("a typo in a key's `provider` defaults fails loudly with its path (not ignored); null there means unset", () => {
    const typo = decodeGatewayConfig(
      { ...catalog, gateway: { keys: [{ name: "x", key: "k", provider: { order: ["sim"], allow_fallback: false } }] } },
      {},
    )
    expect(Result.isFailure(typo) && typo.failure.path).toBe("gateway.keys.0.provider.allow_fallback")
    expect(Result.isFailure(typo) && typo.failure.message).toContain('did you mean "allow_fallbacks"?')
    const nulls = decodeGatewayConfig(
      { ...catalog, gateway: { keys: [{ name: "x", key: "k", provider: { order: ["sim"], only: null } }] } },
      {},
    )
    expect(Result.getOrThrow(nulls).keys[0]?.defaults).toEqual({ provider: { order: ["sim"] } })
  })

  it("a misspelt setting anywhere in the file fails at start with its path and the setting it resembles", () => {
    const cases: ReadonlyArray<readonly [object, string, string | undefined]> = [
      [{ gatway: {} }, "gatway", "gateway"],
      [{ gateway: { maxBodyBytez: 10 } }, "gateway.maxBodyBytez", "maxBodyBytes"],
      [{ gateway: { breaker: { openMS: 10 } } }, "gateway.breaker.openMS", "openMs"],
      [{ gateway: { keys: [{ name: "x", key: "k", priorty: "critical" }] } }, "gateway.keys.0.priorty", "priority"],
      [{ gateway: { capture: { path: "c.jsonl", sampel: 1 } } }, "gateway.capture.sampel", "sample"],
      [{ routing: { maxAttempt: 3 } }, "routing.maxAttempt", "maxAttempts"],
      [{ routing: { affinity: { ttl: 5 } } }, "routing.affinity.ttl", "ttlMs"],
      [{ routing: { affinity: { lifetime: 5 } } }, "routing.affinity.lifetime", undefined],
      [{ state: { redis: { url: "redis://127.0.0.1:1", timeout: 5 } } }, "state.redis.timeout", "timeoutMs"],
      [{ logging: { levle: "info" } }, "logging.levle", "level"],
      [{ tracing: { serviceNmae: "s" } }, "tracing.serviceNmae", "serviceName"],
      [{ providers: [{ slug: "sim", kind: "simulated", option: {} }] }, "providers.0.option", "options"],
    ]
    for (const [part, path, suggestion] of cases) {
      const r = decodeGatewayConfig({ ...catalog, ...part }, {})
      expect(Result.isFailure(r) && r.failure.path).toBe(path)
      const message = Result.isFailure(r) ? r.failure.message : ""
      if (suggestion === undefined) expect(message).toContain("Not a known field (known: ")
      else expect(message).toContain(`did you mean "${suggestion}"?`)
    }
    const endpoint = catalog.models[0]!.endpoints[0]!
    const inModel = (extra: object) => ({ ...catalog, models: [{ id: "m", endpoints: [{ ...endpoint, ...extra }] }] })
    const prce = decodeGatewayConfig(inModel({ prce: 1 }), {})
    expect(Result.isFailure(prce) && prce.failure.path).toBe("models.0.endpoints.0.prce")
    const cached = decodeGatewayConfig(inModel({ price: { prompt: 1, completion: 2, cacheReed: 0.1 } }), {})
    expect(Result.isFailure(cached) && cached.failure.message).toContain('did you mean "cacheRead"?')
  })

  it("lets JSON Schema annotations ($comment, $schema) stand anywhere in the file", () => {
    const r = decodeGatewayConfig(
      {
        $schema: "./switchyard.schema.json",
        $comment: "staging fleet",
        ...catalog,
        gateway: { $comment: "keys come from the vault", maxBodyBytes: 1024 },
        models: [{ ...catalog.models[0]!, $comment: "the only model" }],
      },
      {},
    )
    expect(Result.isSuccess(r)).toBe(true)
    expect(Result.getOrThrow(r).maxBodyBytes).toBe(1024)
    expect(Result.getOrThrow(r).catalog.config.models[0]).not.toHaveProperty("$comment")
  })

  it("invalid JSON text is a config error", () => {
    const r = parseGatewayConfig("{ not json", {})
    expect(Result.isFailure(r) && r.failure.message).toMatch(/not valid JSON/)
  })

  it("reads admin keys (inline, env refs, SWITCHYARD_ADMIN_KEYS) apart from the gateway keys", () => {
    const config = Result.getOrThrow(
      decodeGatewayConfig(
        {
          ...catalog,
          gateway: {
            keys: [{ name: "app", key: "sk-app" }],
            adminKeys: [
              { name: "ops", key: "sk-admin-inline" },
              { name: "oncall", key: { env: "ONCALL_KEY" } },
            ],
          },
        },
        { ONCALL_KEY: "sk-admin-env", SWITCHYARD_ADMIN_KEYS: "sk-admin-a" },
      ),
    )
    expect(config.keys.map((k) => k.name)).toEqual(["app"])
    expect(config.adminKeys).toEqual([
      { name: "ops", key: "sk-admin-inline" },
      { name: "oncall", key: "sk-admin-env" },
      { name: "SWITCHYARD_ADMIN_KEYS[0]", key: "sk-admin-a" },
    ])
    const missing = decodeGatewayConfig(
      { ...catalog, gateway: { adminKeys: [{ name: "ops", key: { env: "NOPE" } }] } },
      {},
    )
    expect(Result.isFailure(missing) && missing.failure.path).toBe("gateway.adminKeys.0.key")
  })

  it("logging: level and format from the config's `logging` section, SWITCHYARD_LOG_* win, bad values are config errors", () => {
    const defaults = Result.getOrThrow(decodeGatewayConfig(catalog, {}))
    expect(defaults.logging).toEqual({ level: "info", format: "pretty" })
    const configured = Result.getOrThrow(
      decodeGatewayConfig({ ...catalog, logging: { level: "warn", format: "json" } }, {}),
    )
    expect(configured.logging).toEqual({ level: "warn", format: "json" })
    const env = Result.getOrThrow(
      decodeGatewayConfig(
        { ...catalog, logging: { level: "warn", format: "json" } },
        {
          SWITCHYARD_LOG_LEVEL: "DEBUG",
          SWITCHYARD_LOG_FORMAT: "pretty",
        },
      ),
    )
    expect(env.logging).toEqual({ level: "debug", format: "pretty" })
    const badSection = decodeGatewayConfig({ ...catalog, logging: { format: "xml" } }, {})
    expect(Result.isFailure(badSection) && badSection.failure.message).toMatch(/logging\.format/)
    const badEnv = decodeGatewayConfig(catalog, { SWITCHYARD_LOG_LEVEL: "loud" })
    expect(Result.isFailure(badEnv) && badEnv.failure.path).toBe("SWITCHYARD_LOG_LEVEL")
  })

  it("reads the state section: redis url inline or from env, with its options; none means in memory", () => {
    expect(Result.getOrThrow(decodeGatewayConfig(catalog, {})).state).toBeUndefined()
    const inline = decodeGatewayConfig(
      {
        ...catalog,
        state: {
          redis: {
            url: "redis://127.0.0.1:6379",
            prefix: "fleet-a:",
            timeoutMs: 5,
            onError: "closed",
            leaseMs: 0,
            leaseShare: 0.05,
          },
        },
      },
      {},
    )
    expect(Result.getOrThrow(inline).state).toEqual({
      redis: {
        url: "redis://127.0.0.1:6379",
        prefix: "fleet-a:",
        timeoutMs: 5,
        onError: "closed",
        leaseMs: 0,
        leaseShare: 0.05,
      },
    })
    const fromEnv = decodeGatewayConfig(
      { ...catalog, state: { redis: { url: { env: "REDIS_URL" } } } },
      {
        REDIS_URL: "rediss://:secret@cache:6380/2",
      },
    )
    expect(Result.getOrThrow(fromEnv).state).toEqual({ redis: { url: "rediss://:secret@cache:6380/2" } })
  })

  it("reads a Redis Cluster: its nodes inline or from env; their hosts and passwords are masked", () => {
    const decoded = decodeGatewayConfig(
      {
        ...catalog,
        state: {
          redis: { cluster: { nodes: ["redis://10.0.0.1:7000", { env: "REDIS_NODE" }] }, prefix: "fleet-b:" },
        },
      },
      { REDIS_NODE: "redis://:node-secret@cache-2.internal:7001" },
    )
    const config = Result.getOrThrow(decoded)
    expect(config.state).toEqual({
      redis: {
        cluster: { nodes: ["redis://10.0.0.1:7000", "redis://:node-secret@cache-2.internal:7001"] },
        prefix: "fleet-b:",
      },
    })
    expect(config.secrets).toEqual(expect.arrayContaining(["10.0.0.1", "cache-2.internal", "node-secret"]))
  })

  it("rejects a bad state section with the path of the mistake", () => {
    const cases: ReadonlyArray<[unknown, Record<string, string>, string]> = [
      [{ redis: { url: "http://127.0.0.1:6379" } }, {}, "state.redis.url"],
      [{ redis: { url: { env: "NOPE" } } }, {}, "state.redis.url"],
      [{ redis: { url: "redis://x", timeoutMs: 0 } }, {}, "state.redis.timeoutMs"],
      [{ redis: { url: "redis://x", onError: "ignore" } }, {}, "state.redis.onError"],
      [{ redis: { url: "redis://x", leaseMs: -1 } }, {}, "state.redis.leaseMs"],
      [{ redis: { url: "redis://x", leaseShare: 0.5 } }, {}, "state.redis.leaseShare"],
      [{ redis: { prefix: "p:" } }, {}, "state.redis.url"],
      [{ redis: { url: "redis://x", cluster: { nodes: ["redis://y:7000"] } } }, {}, "state.redis.cluster"],
      [{ redis: { cluster: { nodes: [] } } }, {}, "state.redis.cluster.nodes"],
      [{ redis: { cluster: {} } }, {}, "state.redis.cluster.nodes"],
      [{ redis: { cluster: { nodes: ["redis://a:1", "/tmp/redis.sock"] } } }, {}, "state.redis.cluster.nodes.1"],
      [{ redis: { cluster: { nodes: [{ env: "NOPE" }] } } }, {}, "state.redis.cluster.nodes.0"],
      [
        { redis: { cluster: { nodes: Array.from({ length: 65 }, (_, i) => `redis://n${i}:7000`) } } },
        {},
        "state.redis.cluster.nodes",
      ],
    ]
    for (const [state, env, path] of cases) {
      const r = decodeGatewayConfig({ ...catalog, state }, env)
      expect(Result.isFailure(r) && r.failure.path).toBe(path)
    }
  })
})
