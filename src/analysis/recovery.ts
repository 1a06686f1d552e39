// Did the broker give the growth back once the load stopped?

import type { RecoveryCheck } from '../core/verdict-types.js';

/**
 * Growth is held (not returned) when more than half of it is still there after recovery. Half
 * is the midpoint between a leak (keeps it all: share 1) and a transient (gives it all back:
 * share 0); with the recovery floor's noise it errs neither way more than the other.
 */
export const RECOVERY_MIN_RETAINED_SHARE = 0.5;

/**
 * `postWarmupFloor` and `lastFloor` are the run's start and end levels (for bytes the fitted
 * line's values, which one noisy floor cannot move). A null recovery floor is not a blocker:
 * `returned` is false and `retainedShare` null.
 */
export function checkRecovery(postWarmupFloor: number, lastFloor: number, recoveryFloor: number | null): RecoveryCheck {
  const growth = lastFloor - postWarmupFloor;
  if (recoveryFloor === null || !Number.isFinite(recoveryFloor) || !(growth > 0)) {
    return { postWarmupFloor, lastFloor, recoveryFloor, retainedShare: null, returned: false };
  }
  const retainedShare = (recoveryFloor - postWarmupFloor) / growth;
  return {
    postWarmupFloor,
    lastFloor,
    recoveryFloor,
    retainedShare,
    returned: retainedShare < RECOVERY_MIN_RETAINED_SHARE,
  };
}
