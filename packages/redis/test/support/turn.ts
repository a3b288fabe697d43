/**
 * One turn of operations for the Lua = TypeScript property tests: in memory one after the other, on Redis all issued
 * at once (every one started before any is awaited, so they share one batch); the answers of each, in order.
 */
export const runTurn = async <O>(
  ops: ReadonlyArray<O>,
  memory: (op: O) => Promise<unknown>,
  redis: (op: O) => Promise<unknown>,
): Promise<readonly [Array<unknown>, Array<unknown>]> => {
  const inMemory: Array<unknown> = []
  for (const op of ops) inMemory.push(await memory(op))
  return [inMemory, await Promise.all(ops.map(redis))]
}
