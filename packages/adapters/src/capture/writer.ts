import { createWriteStream, type WriteStream } from "node:fs"
import { rename, stat } from "node:fs/promises"
import type { CaptureRecord } from "@switchyard/core"

/** Where the gateway hands the shape of each routed request (`gateway.capture`). */
export interface CaptureSink {
  /** Take one record (or skip it, by the sampling rate). Never blocks: the write happens later. */
  readonly record: (r: CaptureRecord) => void
  /** Write what is queued and close the file. */
  readonly close: () => Promise<void>
}

export interface CaptureOptions {
  /** The JSONL file; rotated files are `path.1` (newest) … `path.<files>`. */
  readonly path: string
  /** Share of routed requests recorded, 0..1 (default 1): every (1 / sample)-th, evenly spread. */
  readonly sample?: number
  /** Rotate when the file would grow past this many bytes (default 100 MiB). */
  readonly maxBytes?: number
  /** Rotated files kept besides the current one (default 5); older ones are overwritten. */
  readonly files?: number
  /** Records waiting to be written, at most (default 10,000); more are dropped and counted. */
  readonly maxQueued?: number
  /** How long a record may wait before its batch is written, ms (default 200). */
  readonly flushMs?: number
  /** Told once per failure to open, write or rotate the file (the gateway logs it); recording goes on. */
  readonly onError?: (error: Error) => void
}

export const CAPTURE_DEFAULTS = {
  sample: 1,
  maxBytes: 100 * 1024 * 1024,
  files: 5,
  maxQueued: 10_000,
  flushMs: 200,
} as const

/**
 * Appends capture records to a JSONL file off the request path: `record` pushes the record into a
 * bounded queue (a full queue drops it and counts it in `dropped`); a timer writes the queue as one
 * batch per `flushMs` through a write stream, waits for the stream to drain before the next batch,
 * and rotates the file by size. Nothing here can fail a request.
 */
export class CaptureWriter implements CaptureSink {
  /** Records taken by the sampler but dropped because the queue was full (the disk could not keep up). */
  dropped = 0
  /** Records written. */
  written = 0
  private readonly sample: number
  private readonly maxBytes: number
  private readonly files: number
  private readonly maxQueued: number
  private readonly flushMs: number
  private queue: Array<CaptureRecord> = []
  private credit = 0
  private timer: NodeJS.Timeout | undefined
  private stream: WriteStream | undefined
  private bytes = 0
  /** The batch being written (and rotation): one at a time. */
  private busy: Promise<void> | undefined
  private closed = false

  constructor(private readonly options: CaptureOptions) {
    this.sample = options.sample ?? CAPTURE_DEFAULTS.sample
    this.maxBytes = options.maxBytes ?? CAPTURE_DEFAULTS.maxBytes
    this.files = options.files ?? CAPTURE_DEFAULTS.files
    this.maxQueued = options.maxQueued ?? CAPTURE_DEFAULTS.maxQueued
    this.flushMs = options.flushMs ?? CAPTURE_DEFAULTS.flushMs
  }

  readonly record = (r: CaptureRecord): void => {
    if (this.closed) return
    this.credit += this.sample
    if (this.credit < 1) return
    this.credit -= 1
    if (this.queue.length >= this.maxQueued) {
      this.dropped++
      return
    }
    this.queue.push(r)
    if (this.timer === undefined) {
      this.timer = setTimeout(this.tick, this.flushMs)
      this.timer.unref()
    }
  }

  private readonly tick = (): void => {
    this.timer = undefined
    if (this.busy === undefined) this.busy = this.flush().finally(() => (this.busy = undefined))
    else {
      // the previous batch is still being written: look again later
      this.timer = setTimeout(this.tick, this.flushMs)
      this.timer.unref()
    }
  }

  private async flush(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue
      this.queue = []
      let text = ""
      for (const r of batch) text += `${JSON.stringify(r)}\n`
      const size = Buffer.byteLength(text)
      try {
        const stream = await this.open()
        if (this.bytes > 0 && this.bytes + size > this.maxBytes) await this.rotate()
        await this.write(this.stream ?? stream, text)
        this.bytes += size
        this.written += batch.length
      } catch (e) {
        this.options.onError?.(e instanceof Error ? e : new Error(String(e)))
        this.stream = undefined
      }
    }
  }

  private async open(): Promise<WriteStream> {
    if (this.stream !== undefined) return this.stream
    this.bytes = await stat(this.options.path).then(
      (s) => s.size,
      () => 0,
    )
    const stream = createWriteStream(this.options.path, { flags: "a" })
    stream.on("error", (e) => this.options.onError?.(e))
    this.stream = stream
    return stream
  }

  private write(stream: WriteStream, text: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const ok = stream.write(text, (e) => {
        if (e) reject(e)
        else if (ok) resolve()
      })
      if (!ok) stream.once("drain", () => resolve())
    })
  }

  /** `path` → `path.1` → … → `path.<files>` (the oldest is overwritten), then a fresh `path`. */
  private async rotate(): Promise<void> {
    const old = this.stream
    this.stream = undefined
    if (old !== undefined) await new Promise<void>((resolve) => old.end(() => resolve()))
    const p = this.options.path
    for (let k = this.files - 1; k >= 1; k--) await rename(`${p}.${k}`, `${p}.${k + 1}`).catch(() => {})
    await rename(p, `${p}.1`)
    await this.open()
  }

  readonly close = async (): Promise<void> => {
    this.closed = true
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
    while (this.busy !== undefined) await this.busy
    await this.flush()
    const stream = this.stream
    this.stream = undefined
    if (stream !== undefined) await new Promise<void>((resolve) => stream.end(() => resolve()))
  }
}
