// IP addresses against CIDR ranges (IPv4 and IPv6), for placing a sign-in's address in a named location.
// Pure arithmetic on the text forms Graph uses (`ipAddress`, `ipRanges[].cidrAddress`).

/** An address as a number and its family; undefined when the text is no IP address. */
export interface ParsedIp {
  v6: boolean;
  value: bigint;
}

function parseV4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    value = (value << 8n) | BigInt(n);
  }
  return value;
}

function parseV6(text: string): bigint | undefined {
  let t = text.toLowerCase();
  // An embedded IPv4 tail (::ffff:203.0.113.7) becomes two hextets.
  const v4 = /^(.*:)(\d{1,3}(?:\.\d{1,3}){3})$/.exec(t);
  if (v4) {
    const tail = parseV4(v4[2] as string);
    if (tail === undefined) return undefined;
    t = `${v4[1] as string}${(tail >> 16n).toString(16)}:${(tail & 0xffffn).toString(16)}`;
  }
  const halves = t.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? (halves[0] as string).split(':') : [];
  const tail = halves.length === 2 && halves[1] ? (halves[1] as string).split(':') : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  let value = 0n;
  for (const g of groups) {
    if (!/^[0-9a-f]{1,4}$/.test(g)) return undefined;
    value = (value << 16n) | BigInt(parseInt(g, 16));
  }
  return value;
}

export function parseIp(text: string | null | undefined): ParsedIp | undefined {
  const t = (text ?? '').trim();
  if (!t) return undefined;
  if (t.includes(':')) {
    const value = parseV6(t.replace(/%.*$/, ''));
    return value === undefined ? undefined : { v6: true, value };
  }
  const value = parseV4(t);
  return value === undefined ? undefined : { v6: false, value };
}

/** Whether `ip` lies in `cidr` ("203.0.113.0/24", "2001:db8::/32"; no prefix = one address). False for malformed ranges. */
export function inCidr(ip: ParsedIp, cidr: string): boolean {
  const [base, prefixText] = cidr.trim().split('/');
  const net = parseIp(base);
  if (!net || net.v6 !== ip.v6) return false;
  const bits = ip.v6 ? 128 : 32;
  const prefix = prefixText === undefined ? bits : Number(prefixText);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > bits) return false;
  const shift = BigInt(bits - prefix);
  return ip.value >> shift === net.value >> shift;
}
