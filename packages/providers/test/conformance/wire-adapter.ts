/**
 * What the conformance suite needs to know about one provider's wire format: how its loopback server
 * answers (recorded bodies and SSE frames, replayed byte for byte), how it writes an error body, and what
 * a correct plugin must produce from those answers (in the OpenAI shape of the contract).
 */
import type { Endpoint, Usage } from "@switchyard/core"
import type { RecordedRequest } from "../support/loopback.js"

export interface ExpectedToolCall {
  readonly name: string
  /** The arguments, parsed (compared as JSON values, not strings). */
  readonly arguments: unknown
}

export interface WireAdapter {
  /** Response header carrying the upstream request id (`x-request-id`, `apim-request-id`, `request-id`). */
  readonly requestIdHeader: string
  /** A recorded non-streamed text completion, as the provider sends it. */
  readonly chatBody: string
  /** A recorded non-streamed tool-call answer. */
  readonly toolCallBody: string
  /** A recorded text stream as raw SSE frames (each piece is written separately; include the terminator). */
  readonly streamFrames: ReadonlyArray<string>
  /** A streamed tool call as raw SSE frames. */
  readonly toolCallStreamFrames: ReadonlyArray<string>
  /** The start of a stream, cut before the finish (no finish reason, no terminator). */
  readonly truncatedFrames: ReadonlyArray<string>
  /** One SSE frame whose data is not valid JSON, in this provider's framing. */
  readonly invalidJsonFrame: string
  /** An error body in this provider's envelope. */
  readonly errorBody: (status: number, message: string) => string
  readonly expected: {
    readonly text: string
    readonly finishReason: string
    readonly usage: Usage
    readonly streamText: string
    readonly streamFinishReason: string
    readonly streamUsage: Usage
    readonly toolCalls: ReadonlyArray<ExpectedToolCall>
    readonly streamToolCalls: ReadonlyArray<ExpectedToolCall>
  }
  /** Assert on the upstream request the plugin sent: URL, upstream model, auth header, stream flags. */
  readonly checkRequest: (
    req: RecordedRequest,
    ctx: { readonly endpoint: Endpoint; readonly apiKey: string; readonly stream: boolean },
  ) => void
}
