/**
 * How one request's session id travels: in the session cookie, or in the id header (the `header` option). The
 * request's own transport decides, once, and its response answers the same way: a request that came with the
 * header never gets a cookie, and one that came with the cookie never gets the id in a header.
 */
import type { Request } from 'express';
import { readCookie } from '../http/cookie-header';
import { readIdHeader } from '../http/id-header';
import { secureAttribute } from '../http/insecure-transport';
import type { OutgoingId } from '../http/outgoing-id';
import { isUnderPath, requestPath } from '../http/paths';
import type { SessionConfig } from './config';

export class IdTransport {
  /** The id the request carried, if well-formed. */
  readonly requestId: string | undefined;
  /** The id travels in the header on this request. */
  private readonly viaHeader: boolean;

  constructor(
    private readonly config: SessionConfig,
    private readonly request: Request,
  ) {
    const header = config.header;
    const fromHeader = header === undefined ? undefined : readIdHeader(request.headers[header.requestName], header);
    // The header wins over the cookie: a client that sends it manages its id itself.
    this.viaHeader = fromHeader !== undefined || !config.cookieTransport;
    this.requestId = this.viaHeader
      ? (fromHeader ?? undefined)
      : readCookie(request.headers.cookie, config.cookie.name);
  }

  /** Whether the id can go out on this response: the browser keeps no cookie for a path it would never send it to. */
  get canSend(): boolean {
    return this.viaHeader || isUnderPath(requestPath(this.request), this.config.cookie.path);
  }

  /** The header that gives the client `id`; a cookie lasts `maxAge` seconds from `now`, or the browser session. */
  send(id: string, now: number, maxAge: number | undefined): OutgoingId {
    if (this.viaHeader) return this.headerCarrying(id);
    return { name: 'Set-Cookie', value: this.config.setCookie.session(id, this.secure(), now, maxAge), vary: 'Cookie' };
  }

  /** The header that makes the client forget its id. */
  clear(): OutgoingId {
    if (this.viaHeader) return this.headerCarrying('');
    return { name: 'Set-Cookie', value: this.config.setCookie.clear(this.secure()), vary: 'Cookie' };
  }

  /** Whether a cookie's expiry is part of what goes out (a header carries the id only). */
  get carriesExpiry(): boolean {
    return !this.viaHeader;
  }

  private headerCarrying(value: string): OutgoingId {
    const header = this.config.header!;
    return { name: header.responseName, value, vary: header.requestName };
  }

  private secure(): boolean {
    return secureAttribute(this.request, this.config.cookie.secure);
  }
}
