import type { Server } from "node:http";
import { type ClosedServer, ConfigReloader, type Gateway, type GatewayConfig, type LogSink } from "@switchyard/adapters";
import { ConfigInvalid } from "@switchyard/core";
export interface GatewayOptions {
    /** A config file (catalog + `gateway` section). Absent: the embedded default config (simulated providers). */
    readonly configFile?: string | undefined;
    readonly port?: number | undefined;
    readonly host?: string | undefined;
    readonly env?: Readonly<Record<string, string | undefined>> | undefined;
    /** Where log lines go (default stdout); level and format come from the config's `logging` section. */
    readonly logSink?: LogSink | undefined;
    /** Write each log line at once instead of in 50 ms batches (tests). */
    readonly batchLogs?: boolean | undefined;
    /** Debounce of config-file reloads (ms). */
    readonly reloadDebounceMs?: number | undefined;
    /** Record request shapes to this JSONL file (`gateway.capture.path`, over the config's), for `pnpm simulate --trace`. */
    readonly capture?: string | undefined;
}
export interface RunningGateway {
    readonly url: string;
    readonly gateway: Gateway;
    /** The config in force at start (logging, keys, catalog). */
    readonly config: GatewayConfig;
    readonly server: Server;
    readonly reloader: ConfigReloader | undefined;
    /** The model ids of the config the gateway started with. */
    readonly models: ReadonlyArray<string>;
    /** `gateway.shutdownGraceMs` (default 30 s): how long `close` lets in-flight requests and streams go on. */
    readonly shutdownGraceMs: number;
    /**
     * Stop accepting connections, let in-flight requests finish for up to `shutdownGraceMs` (then end open
     * streams in-band and answer unanswered requests 503), release every resource. Resolves with how many
     * responses the grace cut.
     */
    readonly close: () => Promise<ClosedServer>;
}
/** The config is invalid (the message has the path of the first problem, or the missing variable). */
export declare class StartupConfigError extends Error {
    readonly config: ConfigInvalid;
    constructor(config: ConfigInvalid);
}
/**
 * Start the gateway: validate the config, build the provider clients, the router runtime (once), the
 * gateway handler and a `node:http` server; with a config file, reload it on change or SIGHUP.
 */
export declare const startGateway: (options?: GatewayOptions) => Promise<RunningGateway>;
//# sourceMappingURL=gateway.d.ts.map