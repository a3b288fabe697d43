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
export const defaultConfig = {
    providers: [
        {
            slug: "google-ai-studio",
            kind: "simulated",
            name: "Google AI Studio (simulated)",
            options: {
                seed: 1,
                latency: { type: "lognormal", median: 220, p90: 450 },
                throughput: { type: "lognormal", median: 120, p90: 180 },
                outputTokens: { type: "lognormal", median: 24, p90: 60 },
                endpoints: {
                    "google/gemini-2.5-pro-preview@google-ai-studio": { capacity: { requestsPerMinute: 3 } },
                    "google/gemini-2.5-flash@google-ai-studio": { capacity: { requestsPerMinute: 2 } },
                },
            },
        },
        {
            slug: "google-vertex",
            kind: "simulated",
            name: "Google Vertex AI (simulated: pay-as-you-go and provisioned throughput)",
            options: {
                seed: 2,
                latency: { type: "lognormal", median: 150, p90: 300 },
                throughput: { type: "lognormal", median: 160, p90: 220 },
                outputTokens: { type: "lognormal", median: 24, p90: 60 },
                endpoints: {
                    "google/gemini-2.5-pro-preview@google-vertex": { capacity: { requestsPerMinute: 5 } },
                    "google-vertex/pt": {
                        latency: { type: "lognormal", median: 120, p90: 200 },
                        capacity: { tokensPerMinute: 200000 },
                    },
                },
            },
        },
        {
            slug: "sim-reseller",
            kind: "simulated",
            name: "A pricier reseller with lots of capacity (simulated)",
            options: {
                seed: 3,
                latency: { type: "lognormal", median: 300, p90: 700 },
                throughput: { type: "lognormal", median: 90, p90: 140 },
                outputTokens: { type: "lognormal", median: 24, p90: 60 },
                endpoints: { "google/gemini-2.5-pro-preview@sim-reseller": { capacity: { requestsPerMinute: 8 } } },
            },
        },
        {
            slug: "openai",
            kind: "simulated",
            name: "OpenAI (simulated)",
            options: { seed: 4, latency: { type: "lognormal", median: 150, p90: 300 }, outputTokens: 20 },
        },
        {
            slug: "azure",
            kind: "simulated",
            name: "Azure OpenAI (simulated)",
            options: { seed: 5, latency: { type: "lognormal", median: 250, p90: 450 }, outputTokens: 20 },
        },
        {
            slug: "deepseek",
            kind: "simulated",
            name: "DeepSeek (simulated)",
            options: { seed: 6, latency: { type: "lognormal", median: 350, p90: 800 }, outputTokens: 20 },
        },
        {
            slug: "together",
            kind: "simulated",
            name: "Together AI (simulated)",
            options: { seed: 7, latency: { type: "lognormal", median: 200, p90: 400 }, outputTokens: 20 },
        },
    ],
    models: [
        {
            id: "google/gemini-2.5-pro-preview",
            name: "Gemini 2.5 Pro Preview",
            aliases: ["gemini-2.5-pro"],
            endpoints: [
                {
                    provider: "google-ai-studio",
                    price: { prompt: 1.25, completion: 10 },
                    contextLength: 1048576,
                    maxOutput: 65536,
                    dataPolicy: { collects: true, zdr: false },
                    supportedParameters: [
                        "temperature",
                        "top_p",
                        "max_tokens",
                        "stop",
                        "tools",
                        "tool_choice",
                        "response_format",
                    ],
                },
                {
                    provider: "google-vertex",
                    price: { prompt: 1.4, completion: 11 },
                    contextLength: 1048576,
                    maxOutput: 65536,
                    dataPolicy: { collects: false, zdr: true },
                    supportedParameters: [
                        "temperature",
                        "top_p",
                        "max_tokens",
                        "stop",
                        "tools",
                        "tool_choice",
                        "response_format",
                    ],
                },
                {
                    provider: "sim-reseller",
                    price: { prompt: 1.75, completion: 14 },
                    contextLength: 1048576,
                    maxOutput: 32768,
                    dataPolicy: { collects: false, zdr: false },
                    supportedParameters: ["temperature", "top_p", "max_tokens", "stop", "tools", "tool_choice"],
                },
                {
                    provider: "google-vertex",
                    variant: "pt",
                    pool: "provisioned",
                    price: { prompt: 1.6, completion: 12.5 },
                    contextLength: 1048576,
                    maxOutput: 65536,
                    dataPolicy: { collects: false, zdr: true },
                    capacity: { tokensPerMinute: 200000 },
                    outputWeight: 8,
                    supportedParameters: [
                        "temperature",
                        "top_p",
                        "max_tokens",
                        "stop",
                        "tools",
                        "tool_choice",
                        "response_format",
                    ],
                },
            ],
        },
        {
            id: "google/gemini-2.5-flash",
            name: "Gemini 2.5 Flash",
            aliases: ["gemini-2.5-flash"],
            endpoints: [
                {
                    provider: "google-ai-studio",
                    price: { prompt: 0.3, completion: 2.5 },
                    contextLength: 1048576,
                    dataPolicy: { collects: true, zdr: false },
                },
                {
                    provider: "google-vertex",
                    variant: "pt",
                    pool: "provisioned",
                    price: { prompt: 0.4, completion: 3.2 },
                    contextLength: 1048576,
                    dataPolicy: { collects: false, zdr: true },
                    capacity: { tokensPerMinute: 400000 },
                    outputWeight: 4,
                },
            ],
        },
        {
            id: "openai/gpt-4o-mini",
            name: "GPT-4o mini",
            aliases: ["gpt-4o-mini"],
            endpoints: [
                {
                    provider: "openai",
                    price: { prompt: 0.15, completion: 0.6 },
                    contextLength: 128000,
                    maxOutput: 16384,
                    dataPolicy: { collects: false, zdr: false },
                },
                {
                    provider: "azure",
                    price: { prompt: 0.165, completion: 0.66 },
                    contextLength: 128000,
                    maxOutput: 16384,
                    dataPolicy: { collects: false, zdr: true },
                },
            ],
        },
        {
            id: "deepseek/deepseek-chat",
            name: "DeepSeek V3",
            endpoints: [
                {
                    provider: "deepseek",
                    price: { prompt: 0.27, completion: 1.1 },
                    contextLength: 65536,
                    dataPolicy: { collects: true, zdr: false },
                },
                {
                    provider: "together",
                    price: { prompt: 1.25, completion: 1.25 },
                    contextLength: 131072,
                    quantization: "fp8",
                    dataPolicy: { collects: false, zdr: false },
                },
            ],
        },
    ],
    routing: { escalation: "allow", maxRetrySleepMs: 0 },
};
//# sourceMappingURL=default-config.js.map