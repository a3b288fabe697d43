import { readFile } from "node:fs/promises";
import { ConfigReloader, closeNodeServer, createNodeServer, DEFAULT_NODE_SERVER_LIMITS, gatewayFromConfig, } from "@switchyard/adapters";
import { ConfigInvalid } from "@switchyard/core";
import { deploymentMaker, makePluginRegistry } from "@switchyard/providers";
import * as Effect from "effect/Effect";
import { defaultConfig } from "./default-config.js";
/** The config is invalid (the message has the path of the first problem, or the missing variable). */
export class StartupConfigError extends Error {
    config;
    constructor(config) {
        super(config.message);
        this.config = config;
    }
}
const registry = makePluginRegistry();
const readConfigFile = async (file) => {
    const text = await readFile(file, "utf8");
    try {
        return { json: JSON.parse(text), text };
    }
    catch (e) {
        const message = `Invalid gateway config: ${file} is not valid JSON: ${e instanceof Error ? e.message : String(e)}`;
        throw new StartupConfigError(new ConfigInvalid({ message, path: null, issues: [] }));
    }
};
/** The config with `gateway.capture.path` set (the rest of `gateway.capture` kept). */
const withCapture = (json, path) => {
    if (path === undefined || json === null || typeof json !== "object" || Array.isArray(json))
        return json;
    const config = json;
    return { ...config, gateway: { ...config.gateway, capture: { ...config.gateway?.capture, path } } };
};
/**
 * Start the gateway: validate the config, build the provider clients, the router runtime (once), the
 * gateway handler and a `node:http` server; with a config file, reload it on change or SIGHUP.
 */
export const startGateway = async (options = {}) => {
    const env = options.env ?? process.env;
    const file = options.configFile === undefined ? undefined : await readConfigFile(options.configFile);
    const makeDeployment = deploymentMaker({ registry, env });
    const { gateway, runtime, config, scope, close: release, } = await gatewayFromConfig(withCapture(file?.json ?? defaultConfig, options.capture), {
        makeDeployment,
        env,
        logSink: options.logSink,
        batchLogs: options.batchLogs,
    }).catch((e) => {
        throw e instanceof ConfigInvalid ? new StartupConfigError(e) : e;
    });
    await gateway.ready();
    const server = createNodeServer(gateway, config.server);
    await new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(options.port ?? 8787, options.host ?? "127.0.0.1", () => {
            server.off("error", reject);
            resolve();
        });
    });
    const reloader = options.configFile === undefined
        ? undefined
        : new ConfigReloader({
            file: options.configFile,
            runtime,
            gateway,
            makeDeployment,
            env,
            currentScope: scope,
            currentText: file?.text,
            debounceMs: options.reloadDebounceMs,
        }).start();
    const address = server.address();
    const url = `http://${address.address.includes(":") ? `[${address.address}]` : address.address}:${address.port}`;
    await runtime.runPromise(Effect.logInfo("listening", {
        url,
        port: address.port,
        config: options.configFile ?? "embedded default",
        models: config.catalog.models.size,
        endpoints: config.catalog.endpoints.length,
    }));
    const shutdownGraceMs = config.server.shutdownGraceMs ?? DEFAULT_NODE_SERVER_LIMITS.shutdownGraceMs;
    let closing;
    const close = () => {
        closing ??= (async () => {
            const closed = await closeNodeServer(server);
            if (closed.cut > 0)
                await runtime.runPromise(Effect.logWarning("shutdown grace over: open responses ended (streams in-band, 503 otherwise)", {
                    cut: closed.cut,
                    graceMs: shutdownGraceMs,
                }));
            if (reloader) {
                await gateway.close();
                // the reloader owns whichever deployment is current now
                await reloader.close(true);
                await runtime.dispose();
            }
            else
                await release();
            return closed;
        })();
        return closing;
    };
    return {
        url,
        gateway,
        config,
        server,
        reloader,
        models: [...config.catalog.models.keys()],
        shutdownGraceMs,
        close,
    };
};
//# sourceMappingURL=gateway.js.map