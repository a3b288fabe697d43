/**
 * Incremental SSE decoding: bytes in, whole messages out.
 *
 *   const d = new SseDecoder()
 *   d.feed(bytes)   // any split: frames across chunks, a UTF-8 character across chunks
 *   d.take()        // the messages completed so far (undefined when none), oldest first
 *   d.end()         // the body ended: flush the UTF-8 decoder (an unterminated frame is dropped)
 *
 * Framing (comments, CRLF/CR/LF, multi-line `data:`, `event:`) is eventsource-parser's. UTF-8 is decoded
 * with Node's `StringDecoder` (a character split across chunks waits in a 4-byte buffer), not a streaming
 * `TextDecoder`, which holds an ICU converter per open stream and costs more per chunk.
 */
import { StringDecoder } from "node:string_decoder"
import { createParser, type EventSourceParser } from "eventsource-parser"

export interface SseMessage {
  /** The `event:` name, undefined when the frame had none. */
  readonly event: string | undefined
  /** The `data:` payload (several `data:` lines joined by "\n"). */
  readonly data: string
}

export class SseDecoder {
  private readonly decoder = new StringDecoder("utf8")
  private pending: Array<SseMessage> | undefined = undefined
  /** Bytes fed since the last event or comment ended: what the parser may be holding of an unfinished one. */
  private unfinished = 0
  private readonly parser: EventSourceParser = createParser({
    onEvent: (m) => {
      this.unfinished = 0
      const message: SseMessage = { event: m.event, data: m.data }
      if (this.pending === undefined) this.pending = [message]
      else this.pending.push(message)
    },
    onComment: () => {
      this.unfinished = 0
    },
  })

  feed(chunk: Uint8Array | string): void {
    this.unfinished += chunk.length
    this.parser.feed(typeof chunk === "string" ? chunk : this.decoder.write(chunk))
  }

  /** More than `max` bytes came since an event last ended (within one chunk of it): an event that does not end. */
  overflows(max: number): boolean {
    return this.unfinished > max
  }

  end(): void {
    const rest = this.decoder.end()
    if (rest !== "") this.parser.feed(rest)
  }

  /** Messages completed since the last `take`, never an empty array. */
  take(): [SseMessage, ...Array<SseMessage>] | undefined {
    const out = this.pending
    this.pending = undefined
    return out as [SseMessage, ...Array<SseMessage>] | undefined
  }

  get hasPending(): boolean {
    return this.pending !== undefined
  }
}
