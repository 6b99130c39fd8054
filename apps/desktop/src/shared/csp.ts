/**
 * The Content-Security-Policy of the lab's pages, shared by the Electron main process (response
 * header on the app protocol) and the browser-mode server: scripts only from the app itself, no
 * inline script, no eval, no plugins, no framing, network only back to the app.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  // Svelte transitions and uPlot set inline style attributes.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "worker-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");
