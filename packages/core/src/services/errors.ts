import * as Schema from "effect/Schema"

/**
 * The shared live-state store (Redis) did not answer within its timeout and is configured to fail
 * closed (`"onError": "closed"`): the request is answered `503` instead of being routed on this
 * replica's local state. Raised only by the request gates (`LiveState.read`, `LiveState.admit`);
 * a fail-open store (the default) never raises it, and the in-memory store cannot.
 */
export class StateUnavailable extends Schema.TaggedError<StateUnavailable>()("StateUnavailable", {
  message: Schema.String,
}) {}
