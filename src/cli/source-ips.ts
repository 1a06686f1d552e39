import { usageError } from '../core/errors.js';
import { isSourceAddress } from '../load/fleet/source-addresses.js';

/** `--source-ip ADDR` (repeatable): each an IP address, checked before any connection is made. */
export function parseSourceIps(raw: readonly string[]): string[] {
  for (const value of raw) {
    if (!isSourceAddress(value)) {
      throw usageError(
        `--source-ip ${value}: not an IP address`,
        "give an address of this machine's interfaces, e.g. --source-ip 10.0.0.5 (repeatable)",
      );
    }
  }
  return [...new Set(raw)];
}
