/**
 * Declaration merging: once `SessionFields` is augmented, `req.session` is typed everywhere. Compiled on its own
 * (spec/types/augmented/tsconfig.json) so the augmentation does not reach the other specs.
 */
import type { Request } from 'express';
import { SessionParam } from '../../../src';

declare module '../../../src/session/types' {
  interface SessionFields {
    userId?: number;
    cart?: string[];
  }
}

export function augmented(req: Request): void {
  req.session.userId = 7;
  req.session.cart = ['tea'];
  delete req.session.cart;
  // @ts-expect-error: not declared in SessionFields
  req.session.userid = 7;
  // @ts-expect-error: the wrong type
  req.session.userId = '7';
}

export class AugmentedParams {
  method(
    @SessionParam('userId') userId: number,
    // @ts-expect-error: not a declared key
    @SessionParam('userid') misspelt: number,
  ): void {
    void userId;
    void misspelt;
  }
}
