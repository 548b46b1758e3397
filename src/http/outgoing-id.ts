/** The header that carries a session id to the client: a Set-Cookie value, or the id header of the header transport. */

export interface OutgoingId {
  /** `Set-Cookie`, or the id header's response name. */
  readonly name: string;
  /** The Set-Cookie value, or the id itself (empty: the client must forget its id). */
  readonly value: string;
  /** The request header the response depends on, for `Vary`: `Cookie`, or the id header's request name. */
  readonly vary: string;
}
