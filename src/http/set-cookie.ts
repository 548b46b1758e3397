/** Writes the session's Set-Cookie header values (RFC 6265 §4.1). */

/** The cookie attributes, checked and defaulted: the resolved form of `SessionCookieOptions`. */
export interface ResolvedCookieOptions {
  readonly name: string;
  readonly path: string;
  readonly domain: string | undefined;
  readonly sameSite: 'lax' | 'strict' | 'none' | false;
  readonly secure: boolean | 'auto';
  readonly httpOnly: boolean;
  readonly partitioned: boolean;
  readonly priority: 'low' | 'medium' | 'high' | undefined;
}

const EPOCH = 'Thu, 01 Jan 1970 00:00:00 GMT';
const capitalize = (word: string) => word[0].toUpperCase() + word.slice(1);

/** Builds Set-Cookie values for one cookie configuration; the fixed attributes are joined once. */
export class SetCookieWriter {
  /** Attributes that never change between responses, each with its leading `; `. */
  private readonly fixed: string;
  /** The last Expires date written: formatting one costs more than the rest of the header. */
  private expiresAt = 0;
  private expires = EPOCH;

  constructor(private readonly cookie: ResolvedCookieOptions) {
    let fixed = `; Path=${cookie.path}`;
    if (cookie.domain !== undefined) fixed += `; Domain=${cookie.domain}`;
    if (cookie.httpOnly) fixed += '; HttpOnly';
    if (cookie.sameSite !== false) fixed += `; SameSite=${capitalize(cookie.sameSite)}`;
    if (cookie.partitioned) fixed += '; Partitioned';
    if (cookie.priority !== undefined) fixed += `; Priority=${capitalize(cookie.priority)}`;
    this.fixed = fixed;
  }

  /**
   * The cookie carrying `value`. With `maxAge` (seconds, >= 1) it persists until `now + maxAge`
   * (Max-Age for current browsers, Expires for old ones); without, it is a browser-session cookie.
   */
  session(value: string, secure: boolean, now: number, maxAge?: number): string {
    let header = `${this.cookie.name}=${value}`;
    if (maxAge !== undefined) {
      if (this.expiresAt !== now + maxAge) {
        this.expiresAt = now + maxAge;
        this.expires = new Date(this.expiresAt * 1000).toUTCString();
      }
      header += `; Max-Age=${maxAge}; Expires=${this.expires}`;
    }
    return header + this.fixed + (secure ? '; Secure' : '');
  }

  /** The cookie that deletes the session cookie: same name, path, domain and flags, expired. */
  clear(secure: boolean): string {
    return `${this.cookie.name}=; Max-Age=0; Expires=${EPOCH}${this.fixed}${secure ? '; Secure' : ''}`;
  }
}
