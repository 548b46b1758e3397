import { randomBytes } from 'node:crypto';

/** 24 random bytes (192 bits) from the CSPRNG, base64url: 32 cookie-safe characters. */
export function randomSessionId(): string {
  return randomBytes(24).toString('base64url');
}
