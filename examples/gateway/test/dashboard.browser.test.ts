import { mkdirSync } from "node:fs"
import { fileURLToPath } from "node:url"
import type { BrowserContext, Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type RunningGateway, startGateway } from "../src/gateway.js"
import { launchChromium } from "./support/browser.js"

/** Screenshots go to the repo's test output folder (not committed). */
const OUTPUT = fileURLToPath(new URL("../../../test-output/dashboard/", import.meta.url))

const kpi = async (page: Page, id: string): Promise<string> => (await page.textContent(`#kpi-${id} .kpi-value`)) ?? ""
const number = (text: string): number => Number(text.replace(/[^0-9.]/g, "") || "NaN")

describe("the dashboard in a real browser (Chromium), gateway on its default config", () => {
  let gw: RunningGateway
  let browser: BrowserContext
  let closeBrowser: () => Promise<void>
  beforeAll(async () => {
    mkdirSync(OUTPUT, { recursive: true })
    gw = await startGateway({ port: 0, env: {}, logSink: () => {} })
    ;({ context: browser, close: closeBrowser } = await launchChromium())
  }, 60_000)
  afterAll(async () => {
    await closeBrowser?.()
    await gw?.close()
  })

  const chat = (model: string) =>
    fetch(`${gw.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model, messages: [{ role: "user", content: "Hello" }] }),
    }).then((r) => r.text())

  it("shows the endpoint table, then the 429s, escalations and PT utilization of new traffic without a reload", async () => {
    const page = await browser.newPage()
    const errors: Array<string> = []
    page.on("pageerror", (e) => errors.push(e.message))
    const response = await page.goto(`${gw.url}/dashboard`)
    expect(response?.status()).toBe(200)
    await page.waitForSelector("#live:not(.stale)")
    // the endpoint table: every endpoint of the default config, with pool, price and breaker
    const rows = page.locator('[data-model="google/gemini-2.5-flash"] tr[data-endpoint]')
    await expect.poll(() => rows.count()).toBe(2)
    expect(await page.textContent('[data-endpoint="google/gemini-2.5-flash@google-vertex/pt"]')).toMatch(/PT.*closed/s)
    expect(await page.locator("tr[data-endpoint]").count()).toBe(10)
    const studioGauge = page.locator(
      '[data-endpoint="google/gemini-2.5-flash@google-ai-studio"] td[data-label="Utilization"]',
    )
    const before = {
      upstream429: number(await kpi(page, "429-upstream")),
      escalations: number(await kpi(page, "escalations")),
      studio: await studioGauge.textContent(),
      pools: await page.textContent("#kpi-pt-utilization .kpi-note"),
    }
    expect(before).toEqual({ upstream429: 0, escalations: 0, studio: "not metered", pools: "standard pool –" })
    await page.screenshot({ path: `${OUTPUT}01-empty.png`, fullPage: true })

    // a burst for gemini-2.5-flash and gemini-2.5-pro: their cheapest endpoints (2 and 3 requests a
    // minute) answer 429, the flash requests escalate to the provisioned pool, the pro ones fall back
    const burst = (model: string) => Promise.all(Array.from({ length: 8 }, () => chat(model)))
    await Promise.all([burst("google/gemini-2.5-flash"), burst("google/gemini-2.5-pro-preview")])

    await expect.poll(async () => number(await kpi(page, "429-upstream")), { timeout: 10_000 }).toBeGreaterThan(0)
    await expect.poll(async () => number(await kpi(page, "escalations")), { timeout: 10_000 }).toBeGreaterThan(0)
    // the upstream's rate-limit headers taught the meter: the cheapest endpoint is now metered, and full
    await expect
      .poll(async () => number((await studioGauge.textContent()) ?? ""), { timeout: 10_000 })
      .toBeGreaterThan(50)
    await expect
      .poll(() => page.textContent("#kpi-pt-utilization .kpi-note"), { timeout: 10_000 })
      .toMatch(/standard pool \d/)
    // the rate-limited endpoint cools down (the countdown runs), and the recent routes show the escalation
    await expect
      .poll(() => page.locator('[data-endpoint="google/gemini-2.5-flash@google-ai-studio"] .countdown').count(), {
        timeout: 10_000,
      })
      .toBe(1)
    await page.waitForSelector(".recent-row .hop-pt")
    expect(await page.evaluate(() => performance.getEntriesByType("navigation").length)).toBe(1) // never reloaded
    await page.screenshot({ path: `${OUTPUT}02-traffic.png`, fullPage: true })
    await page.screenshot({ path: `${OUTPUT}02-traffic-screen.png` })

    // a recent route opens its full RouteTrace
    await page
      .locator(".recent-row", { has: page.locator(".hop-pt") })
      .first()
      .click()
    await page.waitForSelector("#trace-dialog[open] .trace")
    expect(await page.textContent("#trace-dialog")).toMatch(
      /escalation: (rate_limited|cooldown):google\/gemini-2.5-flash@google-ai-studio/,
    )
    await page.screenshot({ path: `${OUTPUT}03-trace.png` })
    expect(errors).toEqual([])
    await page.close()
  }, 90_000)

  it("is readable at mobile width (no horizontal scrolling of the page)", async () => {
    const page = await browser.newPage()
    await page.setViewportSize({ width: 390, height: 844 })
    await page.goto(`${gw.url}/dashboard`)
    await page.waitForSelector("tr[data-endpoint]")
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
    expect(overflow).toBeLessThanOrEqual(0)
    await page.screenshot({ path: `${OUTPUT}04-mobile.png` })
    // (the tables are redrawn every second: scroll by script, not through a held element)
    await page.evaluate(() => document.querySelector('[data-model="google/gemini-2.5-flash"]')?.scrollIntoView())
    await page.screenshot({ path: `${OUTPUT}05-mobile-endpoints.png` })
    await page.close()
  }, 60_000)
})
