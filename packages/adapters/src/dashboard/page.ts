/**
 * The dashboard's HTML: a shell that loads the bundled script and stylesheet (served by the gateway
 * from the package: no CDN, nothing built at run time). `mode` picks the dashboard or the sign-in form.
 * Asset URLs are relative, so a gateway mounted under a prefix (`/llm/dashboard`) works too.
 */
export const pageHtml = (mode: "dashboard" | "login"): string => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="dark light">
<title>Switchyard · dashboard</title>
<link rel="stylesheet" href="dashboard/app.css">
</head>
<body data-mode="${mode}">
<div id="app"><noscript>The Switchyard dashboard needs JavaScript.</noscript></div>
<script src="dashboard/app.js"></script>
</body>
</html>
`

/** Security headers of the dashboard's documents: own origin only, no framing, no inline script. */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  "content-type": "text/html; charset=utf-8",
  "cache-control": "no-store",
  "content-security-policy":
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
}
