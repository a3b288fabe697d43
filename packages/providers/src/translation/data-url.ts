/** A `data:<mime>;base64,<data>` URL split into its parts; undefined for any other URL. */
export const parseDataUrl = (url: string): { readonly mimeType: string; readonly data: string } | undefined => {
  const match = /^data:([^;,]+)?((?:;[^;,]+)*?);base64,(.*)$/s.exec(url)
  if (match === null) return undefined
  return { mimeType: match[1] ?? "application/octet-stream", data: match[3] ?? "" }
}

const byExtension: Record<string, string> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  heic: "image/heic",
  heif: "image/heif",
  pdf: "application/pdf",
  mp3: "audio/mp3",
  wav: "audio/wav",
  mp4: "video/mp4",
}

/** Media type guessed from a URL's file extension (query and fragment ignored). */
export const mimeTypeFromUrl = (url: string, fallback: string): string => {
  const path = url.split(/[?#]/, 1)[0] ?? ""
  const dot = path.lastIndexOf(".")
  if (dot < 0 || dot < path.lastIndexOf("/")) return fallback
  return byExtension[path.slice(dot + 1).toLowerCase()] ?? fallback
}
