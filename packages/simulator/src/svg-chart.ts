/** Minimal self-contained SVG line charts (no scripts, no external assets). */

export interface LineSeries {
  readonly name: string
  readonly values: ReadonlyArray<number>
  readonly color: string
}

export interface LineChartOptions {
  readonly title: string
  /** X positions, one per value: ms from the start of the run (labelled h:mm), or any numbers with `xFormat`. */
  readonly t: ReadonlyArray<number>
  /** Labels of a numeric x axis (default: time of day from ms). */
  readonly xFormat?: (x: number) => string
  /** Mark each value with a dot (a curve of few, uneven points). */
  readonly dots?: boolean
  /** Dashed horizontal lines (targets), labelled at the right. */
  readonly levels?: ReadonlyArray<{ readonly y: number; readonly label: string; readonly color: string }>
  /** A dashed vertical line (a chosen x), labelled at the top. */
  readonly marker?: { readonly x: number; readonly label: string }
  readonly series: ReadonlyArray<LineSeries>
  readonly yFormat: (y: number) => string
  readonly yMin?: number
  readonly yMax?: number
  readonly width?: number
  readonly height?: number
}

export const escapeHtml = (s: string): string =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;")

/** A palette that stays readable for up to 8 series. */
export const PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]

const niceStep = (span: number, ticks: number): number => {
  const raw = span / ticks
  const mag = 10 ** Math.floor(Math.log10(raw))
  const norm = raw / mag
  return (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10) * mag
}

const clock = (ms: number): string => {
  const m = Math.round(ms / 60_000)
  return `${Math.floor(m / 60)}:${String(m % 60).padStart(2, "0")}`
}

export const lineChart = (o: LineChartOptions): string => {
  const width = o.width ?? 720
  const height = o.height ?? 240
  const left = 64
  const right = 12
  const top = 28
  const bottom = 42
  const w = width - left - right
  const h = height - top - bottom
  // a loop, not Math.min(...values): a spread of a long series overflows the call stack
  let low = Number.POSITIVE_INFINITY
  let high = Number.NEGATIVE_INFINITY
  for (const series of o.series)
    for (const v of series.values)
      if (Number.isFinite(v)) {
        if (v < low) low = v
        if (v > high) high = v
      }
  const any = low <= high
  let yMin = o.yMin ?? (any ? low : 0)
  let yMax = o.yMax ?? (any ? high : 1)
  if (yMax <= yMin) {
    const pad = yMin === 0 ? 1 : Math.abs(yMin) * 0.1
    if (o.yMax !== undefined) yMin = yMax - pad
    else yMax = yMin + pad
  }
  const step = niceStep(yMax - yMin, 4)
  yMin = Math.floor(yMin / step) * step
  yMax = Math.ceil(yMax / step) * step
  const tMin = o.t[0] ?? 0
  const tMax = Math.max(tMin + 1, o.t.at(-1) ?? 1)
  const x = (t: number) => left + ((t - tMin) / (tMax - tMin)) * w
  const y = (v: number) => top + h - ((v - yMin) / (yMax - yMin)) * h
  const parts: Array<string> = []
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeHtml(o.title)}">`,
  )
  parts.push(`<text x="${left}" y="18" font-size="13" font-weight="600">${escapeHtml(o.title)}</text>`)
  for (let v = yMin; v <= yMax + step / 2; v += step) {
    const yy = y(v).toFixed(1)
    parts.push(`<line x1="${left}" x2="${left + w}" y1="${yy}" y2="${yy}" stroke="#e5e5e5"/>`)
    parts.push(
      `<text x="${left - 6}" y="${yy}" font-size="10" text-anchor="end" dominant-baseline="middle">${escapeHtml(o.yFormat(v))}</text>`,
    )
  }
  const xFormat = o.xFormat ?? clock
  const tStep = o.xFormat ? niceStep(tMax - tMin, 6) : niceStep((tMax - tMin) / 60_000, 6) * 60_000
  for (let t = Math.ceil(tMin / tStep) * tStep; t <= tMax; t += tStep) {
    const xx = x(t).toFixed(1)
    parts.push(`<line x1="${xx}" x2="${xx}" y1="${top + h}" y2="${top + h + 4}" stroke="#888"/>`)
    parts.push(
      `<text x="${xx}" y="${top + h + 15}" font-size="10" text-anchor="middle">${escapeHtml(xFormat(t))}</text>`,
    )
  }
  for (const level of o.levels ?? []) {
    if (level.y < yMin || level.y > yMax) continue
    const yy = y(level.y).toFixed(1)
    parts.push(
      `<line x1="${left}" x2="${left + w}" y1="${yy}" y2="${yy}" stroke="${level.color}" stroke-dasharray="4 3"/>`,
    )
    parts.push(
      `<text x="${left + w - 2}" y="${(y(level.y) - 4).toFixed(1)}" font-size="10" text-anchor="end" fill="${level.color}">${escapeHtml(level.label)}</text>`,
    )
  }
  if (o.marker !== undefined) {
    const xx = x(o.marker.x).toFixed(1)
    parts.push(`<line x1="${xx}" x2="${xx}" y1="${top}" y2="${top + h}" stroke="#222" stroke-dasharray="2 3"/>`)
    parts.push(
      `<text x="${(x(o.marker.x) + 4).toFixed(1)}" y="${top + h - 6}" font-size="10">${escapeHtml(o.marker.label)}</text>`,
    )
  }
  parts.push(`<line x1="${left}" x2="${left + w}" y1="${top + h}" y2="${top + h}" stroke="#888"/>`)
  for (const s of o.series) {
    let d = ""
    let pen = false
    s.values.forEach((v, i) => {
      if (!Number.isFinite(v)) {
        pen = false
        return
      }
      const px = x(o.t[i] ?? 0).toFixed(1)
      const py = y(Math.min(yMax, Math.max(yMin, v))).toFixed(1)
      d += `${pen ? "L" : "M"}${px},${py}`
      pen = true
    })
    if (d) parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="1.6"/>`)
    if (o.dots)
      s.values.forEach((v, i) => {
        if (!Number.isFinite(v)) return
        const px = x(o.t[i] ?? 0).toFixed(1)
        const py = y(Math.min(yMax, Math.max(yMin, v))).toFixed(1)
        parts.push(`<circle cx="${px}" cy="${py}" r="2.5" fill="${s.color}"/>`)
      })
  }
  let lx = left
  for (const s of o.series) {
    parts.push(`<rect x="${lx}" y="${height - 14}" width="10" height="3" fill="${s.color}"/>`)
    parts.push(`<text x="${lx + 14}" y="${height - 10}" font-size="10">${escapeHtml(s.name)}</text>`)
    lx += 24 + s.name.length * 6
  }
  parts.push("</svg>")
  return parts.join("")
}
