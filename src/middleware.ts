/**
 * SessionMiddleware: gives every request a lazy `req.session`, loads it up front where `autoload` says so, and
 * commits it before the response goes out.
 */
import type { NextFunction, Request, Response } from 'express';
import type { ExpressMiddlewareInterface } from 'routing-controllers';
import { Container, Inject, Service } from 'typedi';
import { SessionError } from './errors';
import { SESSION_CONFIG, SessionConfig } from './options';
import { SessionState } from './session/session';

const STATE = Symbol('routing-controllers-sessions state');

type SessionRequest = Request & { [STATE]?: SessionState };

/**
 * The session middleware. Apply it to controllers with `@UseBefore(SessionMiddleware)`; it reads the options that
 * `configureSessions()` registered. Deliberately not decorated with `@Middleware`: routing-controllers would install
 * it on every route of any app that lists no middlewares. For a global middleware, subclass it:
 * `@Middleware({ type: 'before' }) @Service() class Sessions extends SessionMiddleware {}`.
 *
 * Applied twice to one request (globally and on a controller), it acts once.
 *
 * @example
 * @JsonController('/cart')
 * @UseBefore(SessionMiddleware)
 * @Service()
 * class CartController {
 *   @Get('/') async list(@Req() req: Request) { await req.session.load(); return req.session.items ?? []; }
 * }
 */
@Service()
export class SessionMiddleware implements ExpressMiddlewareInterface {
  private readonly config: SessionConfig;

  constructor(@Inject(SESSION_CONFIG) config?: SessionConfig) {
    this.config = config ?? configFromGlobalContainer();
  }

  /** Not async: express 5 would also handle a returned promise, and `next` must run once. */
  use(request: Request, response: Response, next: NextFunction): void {
    const req = request as SessionRequest;
    if (req[STATE]?.config === this.config) return next();
    const state = new SessionState(this.config, req, response);
    req[STATE] = state;
    req.session = state.session;
    if (this.config.autoload(req)) state.load().then(() => next(), next);
    else next();
  }
}

/** Without typedi (routing-controllers' default container), the configuration comes from the global container. */
function configFromGlobalContainer(): SessionConfig {
  if (Container.has(SESSION_CONFIG)) return Container.get(SESSION_CONFIG);
  throw new SessionError('NOT_CONFIGURED', 'Sessions are not configured: call configureSessions({ secretKey, ... }) at start-up');
}
