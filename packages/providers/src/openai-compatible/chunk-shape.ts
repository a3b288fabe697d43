/**
 * The OpenAI `chat.completion.chunk` shape on the pass-through path (issue #12 item 1). Hosts that speak
 * "OpenAI-compatible" leave out fields the official SDKs need: a first delta without `role` makes the
 * `openai` SDK's `finalChatCompletion()` throw "missing role for choice 0"; a tool-call delta without
 * `index`/`type` (Mistral) makes it return `tool_calls: []`; Azure's content-filter first chunk has
 * `id: ""`, `created: 0`; some hosts number tool calls from 1 (a hole at index 0). One normalizer per
 * stream fixes these, touching a chunk only when a field is missing or disagrees:
 *
 *   const shape = new ChunkShape()
 *   shape.push(chunk, out)   // appends 0..n chunks to `out` (leading id-less chunks wait for the id)
 *   shape.flush(out)         // at the end of the stream: whatever still waits
 *
 * - `choices` not an array → `[]`; `object` → `chat.completion.chunk`; Groq's `x_groq.usage` lifted to `usage`;
 * - `id`/`created`: the stream's first non-empty values on every chunk (leading empty lifecycle chunks without
 *   an id — Azure's prompt-filter chunk — wait for the first id and are sent with it);
 * - the first delta of each choice gets `role: "assistant"` when it has none;
 * - tool-call deltas: `index` made dense per choice, in order of appearance (a delta without `index` starts a
 *   call when it carries a new `id`, else continues the last one); a call's first delta gets `type: "function"`.
 */
import type { JsonObject } from "@switchyard/core"

const isObj = (u: unknown): u is JsonObject => typeof u === "object" && u !== null && !Array.isArray(u)

/** Tool calls of one choice: upstream index (or id) → dense index, and each call's id. */
interface ChoiceCalls {
  readonly byIndex: Map<number, number>
  readonly ids: Array<string | undefined>
}

export class ChunkShape {
  private id: string | undefined
  private created: number | undefined
  private pending: Array<JsonObject> | undefined
  /** Choices whose role was sent (by choice index). */
  private readonly roled: Array<boolean> = []
  private readonly calls: Array<ChoiceCalls | undefined> = []

  push(chunk: JsonObject, out: Array<JsonObject>): void {
    if (!Array.isArray(chunk.choices)) chunk.choices = []
    // Azure's first (prompt-filter) chunk has `object: ""`, some servers omit it
    if (chunk.object !== "chat.completion.chunk") chunk.object = "chat.completion.chunk"
    if ((chunk.usage === undefined || chunk.usage === null) && isObj(chunk.x_groq) && isObj(chunk.x_groq.usage))
      chunk.usage = chunk.x_groq.usage
    const choices = chunk.choices as Array<unknown>
    for (let i = 0; i < choices.length; i++) {
      const choice = choices[i]
      if (isObj(choice)) this.choice(choice, i)
    }
    const id = chunk.id
    if (typeof id === "string" && id !== "") {
      if (this.id === undefined) {
        this.id = id
        const created = chunk.created
        if (typeof created === "number" && created > 0) this.created = created
        const held = this.pending
        this.pending = undefined
        if (held !== undefined) for (const h of held) out.push(this.stamp(h))
      } else if (id !== this.id) chunk.id = this.id
    } else if (this.id === undefined) {
      // only an empty lifecycle chunk (Azure's prompt-filter chunk) waits for the id; content never waits
      if (choices.length === 0 && (chunk.usage === undefined || chunk.usage === null)) {
        if (this.pending === undefined) this.pending = [chunk]
        else this.pending.push(chunk)
        return
      }
      this.flush(out)
    } else chunk.id = this.id
    out.push(this.stamp(chunk))
  }

  /** Chunks still waiting for an id go out as they are (the stream ended, or content came without an id). */
  flush(out: Array<JsonObject>): void {
    const held = this.pending
    this.pending = undefined
    if (held !== undefined) for (const h of held) out.push(h)
  }

  private stamp(chunk: JsonObject): JsonObject {
    if (this.id !== undefined && chunk.id !== this.id) chunk.id = this.id
    const created = this.created
    if (created !== undefined && chunk.created !== created) chunk.created = created
    else if (created === undefined && typeof chunk.created === "number" && chunk.created > 0)
      this.created = chunk.created
    return chunk
  }

  private choice(choice: JsonObject, position: number): void {
    const index = typeof choice.index === "number" ? choice.index : position
    const delta = choice.delta
    if (!isObj(delta)) return
    if (this.roled[index] !== true) {
      this.roled[index] = true
      if (typeof delta.role !== "string" || delta.role === "") delta.role = "assistant"
    }
    const toolCalls = delta.tool_calls
    if (Array.isArray(toolCalls) && toolCalls.length > 0) this.toolCalls(index, toolCalls)
  }

  private toolCalls(choiceIndex: number, toolCalls: Array<unknown>): void {
    let state = this.calls[choiceIndex]
    if (state === undefined) {
      state = { byIndex: new Map(), ids: [] }
      this.calls[choiceIndex] = state
    }
    for (const tc of toolCalls) {
      if (!isObj(tc)) continue
      const id = typeof tc.id === "string" && tc.id !== "" ? tc.id : undefined
      let dense: number
      let start = false
      if (typeof tc.index === "number") {
        const known = state.byIndex.get(tc.index)
        // a known index that now carries another call's id is a new call (hosts that send index 0 for every call)
        if (known === undefined || (id !== undefined && state.ids[known] !== undefined && state.ids[known] !== id)) {
          dense = state.ids.length
          state.byIndex.set(tc.index, dense)
          start = true
        } else dense = known
      } else {
        const last = state.ids.length - 1
        if (last < 0 || (id !== undefined && state.ids[last] !== id)) {
          dense = state.ids.length
          start = true
        } else dense = last
      }
      if (start) {
        state.ids.push(id)
        if (tc.type === undefined || tc.type === null) tc.type = "function"
      } else if (id !== undefined && state.ids[dense] === undefined) state.ids[dense] = id
      if (tc.index !== dense) tc.index = dense
    }
  }
}
