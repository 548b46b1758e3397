/**
 * The age rule of cookie backends: a value is good from its seal time (or up to {@link CLOCK_SKEW} seconds before
 * it, for app instances whose clocks differ) until `maxAge` seconds after it, inclusive.
 */
import { type BackendContext, contextNow } from '../backend';

/** Clock skew tolerated between app instances for a value dated in the future, in seconds. */
export const CLOCK_SKEW = 60;
/** Oldest value accepted when neither `maxAge` nor `ctx.lifetime` says: 14 days, the default lifetime. */
const DEFAULT_MAX_AGE = 14 * 24 * 3600;

/** True when a value sealed at `sealedAt` (unix seconds) may still be used at `ctx.now`. */
export function isFresh(sealedAt: number, ctx: BackendContext | undefined, maxAge: number | undefined): boolean {
  const age = contextNow(ctx) - sealedAt;
  return age <= (maxAge ?? ctx?.lifetime ?? DEFAULT_MAX_AGE) && age >= -CLOCK_SKEW;
}
