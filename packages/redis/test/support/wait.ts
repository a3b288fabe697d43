export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Wait until `what()` holds (checked every 20 ms), failing after `ms`. */
export const until = async (what: () => boolean, ms = 10_000): Promise<void> => {
  const end = Date.now() + ms
  while (!what()) {
    if (Date.now() > end) throw new Error("condition not reached in time")
    await sleep(20)
  }
}
