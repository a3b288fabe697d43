/**
 * Running a plugin in tests: decode its options with its own schema, make the client in a Scope,
 * run `use(client)`, close the Scope (which destroys the plugin's connection pools).
 */
import type {
  ChatStream,
  ConfigInvalid,
  JsonObject,
  ProviderClient,
  ProviderError,
  ProviderPlugin,
} from "@switchyard/core"
import { Cause, Effect, type Exit, Schema, Stream } from "effect"

export const withClient = <O, A, E>(
  plugin: ProviderPlugin<O>,
  rawOptions: unknown,
  use: (client: ProviderClient) => Effect.Effect<A, E>,
  ctx: { readonly slug: string; readonly env?: Readonly<Record<string, string | undefined>> },
): Promise<Exit.Exit<A, E | ConfigInvalid | Schema.SchemaError>> =>
  Effect.runPromiseExit(
    Effect.scoped(
      Effect.gen(function* () {
        const options = yield* Schema.decodeUnknownEffect(plugin.options)(rawOptions)
        const client = yield* plugin.make(options, { slug: ctx.slug, env: ctx.env ?? {} })
        return yield* use(client)
      }),
    ),
  )

/** The typed failure of an Exit (fails the test if the Exit succeeded or died). */
export const failureOf = <A, E>(exit: Exit.Exit<A, E>): E => {
  if (exit._tag === "Success") throw new Error(`expected a failure, got success: ${JSON.stringify(exit.value)}`)
  const err = Cause.findErrorOption(exit.cause)
  if (err._tag === "None") throw new Error(`expected a typed failure, got: ${Cause.pretty(exit.cause)}`)
  return err.value
}

export const successOf = <A, E>(exit: Exit.Exit<A, E>): A => {
  if (exit._tag === "Failure") throw new Error(`expected success, got: ${Cause.pretty(exit.cause)}`)
  return exit.value
}

export interface Collected {
  readonly stream: ChatStream
  readonly chunks: ReadonlyArray<JsonObject>
}

/** Open a stream and pull every chunk; a mid-stream failure fails the effect (with the chunks lost). */
export const collectStream = (
  client: ProviderClient,
  call: Parameters<ProviderClient["stream"]>[0],
): Effect.Effect<Collected, ProviderError> =>
  Effect.flatMap(client.stream(call), (stream) =>
    Effect.map(Stream.runCollect(stream.chunks), (chunks) => ({ stream, chunks })),
  )

/** Pull chunks until the stream fails; returns what arrived before the failure and the failure. */
export const collectUntilFailure = (
  client: ProviderClient,
  call: Parameters<ProviderClient["stream"]>[0],
): Effect.Effect<
  { readonly chunks: ReadonlyArray<JsonObject>; readonly error: ProviderError | undefined },
  ProviderError
> =>
  Effect.flatMap(client.stream(call), (stream) =>
    Effect.suspend(() => {
      const chunks: Array<JsonObject> = []
      return stream.chunks.pipe(
        Stream.runForEach((c) => Effect.sync(() => chunks.push(c))),
        Effect.as({ chunks, error: undefined as ProviderError | undefined }),
        Effect.catch((error: ProviderError) => Effect.succeed({ chunks, error })),
      )
    }),
  )
