/**
 * The gateway's embedded default config: everything is simulated in-process, so it needs no API keys
 * and no network. It is built to show, with nothing but curl, what Switchyard does:
 *
 * - `google/gemini-2.5-pro-preview` on three standard providers of different price, latency and
 *   capacity — the cheapest (`google-ai-studio`) is small and rate-limits after a few requests a minute,
 *   so repeated calls fall back to `google-vertex` and then `sim-reseller` — plus the provisioned
 *   endpoint `google-vertex/pt`, used only when a request asks for it (`provider.order`) or when every
 *   standard endpoint is rate-limited and escalation applies.
 * - `google/gemini-2.5-flash`: one small standard endpoint and a PT endpoint — the third call within a
 *   minute escalates to PT.
 * - `openai/gpt-4o-mini` and `deepseek/deepseek-chat`: differences in data policy (`data_collection:
 *   "deny"`), latency and price for `sort`.
 *
 * The same shape, with real providers and env-var keys, is in `config.real-providers.json`.
 */
export declare const defaultConfig: {
    providers: ({
        slug: string;
        kind: string;
        name: string;
        options: {
            seed: number;
            latency: {
                type: string;
                median: number;
                p90: number;
            };
            throughput: {
                type: string;
                median: number;
                p90: number;
            };
            outputTokens: {
                type: string;
                median: number;
                p90: number;
            };
            endpoints: {
                "google/gemini-2.5-pro-preview@google-ai-studio": {
                    capacity: {
                        requestsPerMinute: number;
                    };
                };
                "google/gemini-2.5-flash@google-ai-studio": {
                    capacity: {
                        requestsPerMinute: number;
                    };
                };
                "google/gemini-2.5-pro-preview@google-vertex"?: never;
                "google-vertex/pt"?: never;
                "google/gemini-2.5-pro-preview@sim-reseller"?: never;
            };
        };
    } | {
        slug: string;
        kind: string;
        name: string;
        options: {
            seed: number;
            latency: {
                type: string;
                median: number;
                p90: number;
            };
            throughput: {
                type: string;
                median: number;
                p90: number;
            };
            outputTokens: {
                type: string;
                median: number;
                p90: number;
            };
            endpoints: {
                "google/gemini-2.5-pro-preview@google-vertex": {
                    capacity: {
                        requestsPerMinute: number;
                    };
                };
                "google-vertex/pt": {
                    latency: {
                        type: string;
                        median: number;
                        p90: number;
                    };
                    capacity: {
                        tokensPerMinute: number;
                    };
                };
                "google/gemini-2.5-pro-preview@google-ai-studio"?: never;
                "google/gemini-2.5-flash@google-ai-studio"?: never;
                "google/gemini-2.5-pro-preview@sim-reseller"?: never;
            };
        };
    } | {
        slug: string;
        kind: string;
        name: string;
        options: {
            seed: number;
            latency: {
                type: string;
                median: number;
                p90: number;
            };
            throughput: {
                type: string;
                median: number;
                p90: number;
            };
            outputTokens: {
                type: string;
                median: number;
                p90: number;
            };
            endpoints: {
                "google/gemini-2.5-pro-preview@sim-reseller": {
                    capacity: {
                        requestsPerMinute: number;
                    };
                };
                "google/gemini-2.5-pro-preview@google-ai-studio"?: never;
                "google/gemini-2.5-flash@google-ai-studio"?: never;
                "google/gemini-2.5-pro-preview@google-vertex"?: never;
                "google-vertex/pt"?: never;
            };
        };
    } | {
        slug: string;
        kind: string;
        name: string;
        options: {
            seed: number;
            latency: {
                type: string;
                median: number;
                p90: number;
            };
            outputTokens: number;
            throughput?: never;
            endpoints?: never;
        };
    })[];
    models: ({
        id: string;
        name: string;
        aliases: string[];
        endpoints: ({
            provider: string;
            price: {
                prompt: number;
                completion: number;
            };
            contextLength: number;
            maxOutput: number;
            dataPolicy: {
                collects: boolean;
                zdr: boolean;
            };
            supportedParameters: string[];
            variant?: never;
            pool?: never;
            capacity?: never;
            outputWeight?: never;
        } | {
            provider: string;
            variant: string;
            pool: string;
            price: {
                prompt: number;
                completion: number;
            };
            contextLength: number;
            maxOutput: number;
            dataPolicy: {
                collects: boolean;
                zdr: boolean;
            };
            capacity: {
                tokensPerMinute: number;
            };
            outputWeight: number;
            supportedParameters: string[];
        })[];
    } | {
        id: string;
        name: string;
        aliases: string[];
        endpoints: ({
            provider: string;
            price: {
                prompt: number;
                completion: number;
            };
            contextLength: number;
            dataPolicy: {
                collects: boolean;
                zdr: boolean;
            };
            variant?: never;
            pool?: never;
            capacity?: never;
            outputWeight?: never;
        } | {
            provider: string;
            variant: string;
            pool: string;
            price: {
                prompt: number;
                completion: number;
            };
            contextLength: number;
            dataPolicy: {
                collects: boolean;
                zdr: boolean;
            };
            capacity: {
                tokensPerMinute: number;
            };
            outputWeight: number;
        })[];
    } | {
        id: string;
        name: string;
        aliases: string[];
        endpoints: {
            provider: string;
            price: {
                prompt: number;
                completion: number;
            };
            contextLength: number;
            maxOutput: number;
            dataPolicy: {
                collects: boolean;
                zdr: boolean;
            };
        }[];
    } | {
        id: string;
        name: string;
        endpoints: ({
            provider: string;
            price: {
                prompt: number;
                completion: number;
            };
            contextLength: number;
            dataPolicy: {
                collects: boolean;
                zdr: boolean;
            };
            quantization?: never;
        } | {
            provider: string;
            price: {
                prompt: number;
                completion: number;
            };
            contextLength: number;
            quantization: string;
            dataPolicy: {
                collects: boolean;
                zdr: boolean;
            };
        })[];
        aliases?: never;
    })[];
    routing: {
        escalation: string;
        maxRetrySleepMs: number;
    };
};
//# sourceMappingURL=default-config.d.ts.map