// The headers of every HTML page the functions serve: no caching, a nonce-only content security policy (inline
// styles and, where the page has one, its inline script carry the nonce), no sniffing, no referrer.
export function htmlPageHeaders(nonce: string, options: { script: boolean }): Record<string, string> {
  return {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy': `default-src 'none'; ${options.script ? `script-src 'nonce-${nonce}'; ` : ''}style-src 'nonce-${nonce}'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  };
}
