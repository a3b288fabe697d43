/**
 * A real OTLP/HTTP traces receiver on 127.0.0.1 for tests: it accepts `POST /v1/traces` as
 * `application/json` or `application/x-protobuf` (decoded here with a small reader of the protobuf
 * wire format and the field numbers of opentelemetry-proto's trace.proto), and keeps every span.
 */
import { createServer, type IncomingHttpHeaders } from "node:http"
import { listen } from "./listen.js"

export type AttributeValue = string | number | boolean
export interface ReceivedSpan {
  readonly traceId: string
  readonly spanId: string
  readonly parentSpanId: string | undefined
  readonly name: string
  /** 1 internal, 2 server, 3 client. */
  readonly kind: number
  readonly startNanos: bigint
  readonly endNanos: bigint
  readonly attributes: Readonly<Record<string, AttributeValue>>
  /** 0 unset, 1 ok, 2 error. */
  readonly status: number
  readonly serviceName: string | undefined
}

// ---- protobuf wire format --------------------------------------------------------------------------

type Field = { readonly no: number; readonly varint?: bigint; readonly bytes?: Uint8Array; readonly fixed64?: bigint }

const fields = (buf: Uint8Array): Array<Field> => {
  const out: Array<Field> = []
  let i = 0
  const varint = (): bigint => {
    let result = 0n
    let shift = 0n
    for (;;) {
      const b = buf[i++]!
      result |= BigInt(b & 0x7f) << shift
      if ((b & 0x80) === 0) return result
      shift += 7n
    }
  }
  while (i < buf.length) {
    const key = Number(varint())
    const no = key >>> 3
    switch (key & 7) {
      case 0:
        out.push({ no, varint: varint() })
        break
      case 1: {
        const view = new DataView(buf.buffer, buf.byteOffset + i, 8)
        out.push({ no, fixed64: view.getBigUint64(0, true) })
        i += 8
        break
      }
      case 2: {
        const len = Number(varint())
        out.push({ no, bytes: buf.subarray(i, i + len) })
        i += len
        break
      }
      case 5:
        i += 4
        break
      default:
        throw new Error(`unsupported wire type ${key & 7}`)
    }
  }
  return out
}

const text = (b: Uint8Array | undefined) => (b === undefined ? "" : new TextDecoder().decode(b))
const hex = (b: Uint8Array | undefined) => (b === undefined ? "" : Buffer.from(b).toString("hex"))
const all = (fs: Array<Field>, no: number) => fs.filter((f) => f.no === no)
const one = (fs: Array<Field>, no: number) => fs.find((f) => f.no === no)

/** AnyValue: 1 string, 2 bool, 3 int, 4 double. */
const anyValue = (buf: Uint8Array): AttributeValue => {
  const f = fields(buf)[0]
  if (f === undefined) return ""
  if (f.no === 1) return text(f.bytes)
  if (f.no === 2) return f.varint === 1n
  if (f.no === 3) return Number(BigInt.asIntN(64, f.varint ?? 0n))
  if (f.no === 4) {
    const view = new DataView(new ArrayBuffer(8))
    view.setBigUint64(0, f.fixed64 ?? 0n, true)
    return view.getFloat64(0, true)
  }
  return `<field ${f.no}>`
}

const keyValues = (fs: Array<Field>): Record<string, AttributeValue> => {
  const out: Record<string, AttributeValue> = {}
  for (const kv of fs) {
    const parts = fields(kv.bytes!)
    out[text(one(parts, 1)?.bytes)] = anyValue(one(parts, 2)?.bytes ?? new Uint8Array())
  }
  return out
}

const fromProtobuf = (body: Uint8Array): Array<ReceivedSpan> => {
  const spans: Array<ReceivedSpan> = []
  for (const rs of all(fields(body), 1)) {
    const rsFields = fields(rs.bytes!)
    const resource = one(rsFields, 1)
    const serviceName = resource === undefined ? undefined : keyValues(all(fields(resource.bytes!), 1))["service.name"]
    for (const ss of all(rsFields, 2)) {
      for (const s of all(fields(ss.bytes!), 2)) {
        const f = fields(s.bytes!)
        const parent = one(f, 4)?.bytes
        const status = one(f, 15)
        spans.push({
          traceId: hex(one(f, 1)?.bytes),
          spanId: hex(one(f, 2)?.bytes),
          parentSpanId: parent === undefined || parent.length === 0 ? undefined : hex(parent),
          name: text(one(f, 5)?.bytes),
          kind: Number(one(f, 6)?.varint ?? 0n),
          startNanos: one(f, 7)?.fixed64 ?? 0n,
          endNanos: one(f, 8)?.fixed64 ?? 0n,
          attributes: keyValues(all(f, 9)),
          status: status === undefined ? 0 : Number(one(fields(status.bytes!), 3)?.varint ?? 0n),
          serviceName: typeof serviceName === "string" ? serviceName : undefined,
        })
      }
    }
  }
  return spans
}

// ---- OTLP/JSON ---------------------------------------------------------------------------------------

interface JsonKeyValue {
  readonly key: string
  readonly value: { stringValue?: string; boolValue?: boolean; intValue?: string | number; doubleValue?: number }
}

const jsonAttributes = (kvs: ReadonlyArray<JsonKeyValue> | undefined): Record<string, AttributeValue> => {
  const out: Record<string, AttributeValue> = {}
  for (const { key, value } of kvs ?? []) {
    out[key] =
      value.stringValue ??
      value.boolValue ??
      (value.intValue !== undefined ? Number(value.intValue) : (value.doubleValue ?? ""))
  }
  return out
}

const fromJson = (body: string): Array<ReceivedSpan> => {
  const data = JSON.parse(body) as {
    resourceSpans: Array<{
      resource?: { attributes?: Array<JsonKeyValue> }
      scopeSpans: Array<{
        spans: Array<{
          traceId: string
          spanId: string
          parentSpanId?: string
          name: string
          kind: number
          startTimeUnixNano: string
          endTimeUnixNano: string
          attributes?: Array<JsonKeyValue>
          status?: { code?: number }
        }>
      }>
    }>
  }
  return data.resourceSpans.flatMap((rs) => {
    const serviceName = jsonAttributes(rs.resource?.attributes)["service.name"]
    return rs.scopeSpans.flatMap((ss) =>
      ss.spans.map((s) => ({
        traceId: s.traceId,
        spanId: s.spanId,
        parentSpanId: s.parentSpanId || undefined,
        name: s.name,
        kind: s.kind,
        startNanos: BigInt(s.startTimeUnixNano),
        endNanos: BigInt(s.endTimeUnixNano),
        attributes: jsonAttributes(s.attributes),
        status: s.status?.code ?? 0,
        serviceName: typeof serviceName === "string" ? serviceName : undefined,
      })),
    )
  })
}

export interface Export {
  readonly contentType: string
  /** The body as received (protobuf strings are UTF-8 in it too). */
  readonly raw: Buffer
  readonly headers: IncomingHttpHeaders
  readonly spans: ReadonlyArray<ReceivedSpan>
}

export const startOtlpReceiver = async () => {
  const exports: Array<Export> = []
  const server = createServer((req, res) => {
    const parts: Array<Buffer> = []
    req.on("data", (c: Buffer) => parts.push(c))
    req.on("end", () => {
      if (req.method !== "POST" || req.url !== "/v1/traces") {
        res.writeHead(404).end()
        return
      }
      const body = Buffer.concat(parts)
      const contentType = req.headers["content-type"] ?? ""
      const spans = contentType.includes("json") ? fromJson(body.toString("utf8")) : fromProtobuf(body)
      exports.push({ contentType, raw: body, headers: req.headers, spans })
      res.writeHead(200, { "content-type": contentType }).end(contentType.includes("json") ? "{}" : "")
    })
  })
  const s = await listen(server)
  return {
    url: s.url,
    exports,
    spans: (): Array<ReceivedSpan> => exports.flatMap((e) => e.spans),
    close: s.close,
  }
}
