/**
 * The loopback rule, shared by the config (plain http is accepted only on loopback) and the
 * policy pack (published ports bind loopback only). Pure: no imports.
 */

/** True for an address or host name only the machine itself can reach. */
export function isLoopback(host: string): boolean {
  const address = host.trim().toLowerCase();
  if (address === "localhost" || address === "::1" || address === "[::1]" || address === "0:0:0:0:0:0:0:1") {
    return true;
  }
  const v4 = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(address);
  return v4 !== null && v4.slice(1).every((octet) => Number(octet) <= 255);
}
