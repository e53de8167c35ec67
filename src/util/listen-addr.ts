/**
 * Parses a listen address flag, HOST:PORT ([v6]:PORT too; an empty host is `defaultHost`).
 * Port 0 = any free port. Throws naming the flag.
 */
export function parseListenAddr(addr: string, flag = '--metrics-addr', defaultHost = '0.0.0.0'): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(addr);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new Error(`${flag} must be HOST:PORT (port 0-65535), got ${JSON.stringify(addr)}`);
  return { host: m[1] ?? (m[2] || defaultHost), port };
}
