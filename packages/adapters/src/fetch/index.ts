export {
  type FetchHandler,
  handleFetch,
  readLimited,
  toFetchHandler,
  toReadableStream,
  toWebResponse,
} from "./handler.js"
