/** Validation of `secretKey`, shared by the options and the cookie backends. Never echoes a secret. */

/** Shortest secret accepted: 32 characters, as iron-session requires. */
export const MIN_SECRET_LENGTH = 32;

/**
 * The secrets as a non-empty list, newest first; or an error message (naming no secret) when they are unusable.
 */
export function checkSecrets(secretKey: unknown): readonly string[] | string {
  const secrets = typeof secretKey === 'string' ? [secretKey] : secretKey;
  if (!Array.isArray(secrets) || secrets.length === 0) {
    return 'expected a string of at least 32 characters, or a non-empty array of them (the first signs, all verify)';
  }
  for (let i = 0; i < secrets.length; i++) {
    const secret: unknown = secrets[i];
    const where = secrets.length > 1 ? ` (entry ${i})` : '';
    if (typeof secret !== 'string') return `every key must be a string${where}`;
    if (secret.length < MIN_SECRET_LENGTH) {
      return (
        `every key must be at least ${MIN_SECRET_LENGTH} characters long; one has ${secret.length}${where}. ` +
        'Generate one with `openssl rand -base64 32` and keep it out of the code.'
      );
    }
  }
  if (new Set(secrets).size !== secrets.length) return 'the keys must differ from each other';
  return secrets as string[];
}
