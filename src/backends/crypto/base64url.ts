/**
 * Strict base64url (RFC 4648 §5, no padding). Node's decoder skips characters outside the alphabet and ignores
 * leftover bits; here, only the one canonical spelling of some bytes decodes.
 */

const ALPHABET = /^[A-Za-z0-9_-]*$/;

/** The bytes `text` spells in canonical unpadded base64url, or `undefined` for anything else. */
export function decodeBase64url(text: string): Buffer | undefined {
  // A length of 4n + 1 cannot come from whole bytes.
  if (!ALPHABET.test(text) || text.length % 4 === 1) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  // Re-encoding catches non-zero leftover bits in the last character.
  return bytes.toString('base64url') === text ? bytes : undefined;
}
