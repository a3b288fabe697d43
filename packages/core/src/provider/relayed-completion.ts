/**
 * A completion the gateway can relay as the upstream wrote it (OpenAI wire format, canonical JSON):
 *
 *   relayableCompletion(text) → RelayedCompletion | undefined
 *   relayedChatResult(relayed, requestId, signals) → ChatResult (`body` parsed on first read)
 *
 * Relayable when `text` is canonical (`canonicalMembers`: exactly `JSON.stringify(JSON.parse(text))`), has a
 * `choices` array, and has neither `error` (an error in a 200's body, classified by the caller) nor
 * `provider` (OpenRouter's, which the router moves to `upstream_provider`). The router then writes the
 * client's body by splicing `model`, `provider` and `usage` into `text` (`decoratedText`) instead of parsing
 * the completion and serialising it again; anything else takes the parse path.
 */
import { canonicalMembers, memberIs } from "./canonical-json.js"
import type { ChatResult, JsonObject, RelayedCompletion } from "./contract.js"
import { type CapacitySignals, emptyUsage, type Usage, usageFromOpenAi } from "./usage.js"

export const relayableCompletion = (text: string): RelayedCompletion | undefined => {
  const members = canonicalMembers(text)
  if (members === undefined) return undefined
  let choices = false
  let modelAt = -1
  let modelEnd = -1
  let usageAt = -1
  let usageEnd = -1
  for (let m = 0; m < members.length / 3; m++) {
    const start = members[m * 3 + 1]!
    if (memberIs(text, members, m, "choices")) choices = text.charCodeAt(start) === 91
    else if (memberIs(text, members, m, "model")) {
      modelAt = start
      modelEnd = members[m * 3 + 2]!
    } else if (memberIs(text, members, m, "usage")) {
      usageAt = start
      usageEnd = members[m * 3 + 2]!
    } else if (memberIs(text, members, m, "error") || memberIs(text, members, m, "provider")) return undefined
  }
  if (!choices) return undefined
  const usage = usageAt < 0 ? undefined : (JSON.parse(text.slice(usageAt, usageEnd)) as unknown)
  return { text, modelAt, modelEnd, usageAt, usageEnd, usage }
}

/** The ChatResult of a relayable completion: usage read from its `usage`, `body` parsed only if someone reads it. */
class RelayedChat implements ChatResult {
  readonly usage: Usage
  private parsed: JsonObject | undefined = undefined

  constructor(
    readonly relayed: RelayedCompletion,
    readonly requestId: string | undefined,
    readonly signals: CapacitySignals,
  ) {
    this.usage = usageFromOpenAi(relayed.usage) ?? emptyUsage
  }

  get body(): JsonObject {
    if (this.parsed === undefined) this.parsed = JSON.parse(this.relayed.text) as JsonObject
    return this.parsed
  }
}

export const relayedChatResult = (
  relayed: RelayedCompletion,
  requestId: string | undefined,
  signals: CapacitySignals,
): ChatResult => new RelayedChat(relayed, requestId, signals)
