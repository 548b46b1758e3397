import type { Request } from 'express';
import { Body, Get, JsonController, Post, Req, UseBefore } from 'routing-controllers';
import { Service } from 'typedi';
import { CurrentSession, SessionMiddleware, SessionParam, type Session } from '../../src';
import type { DemoSession } from '../session';

class LoginForm {
  name!: string;
}

@JsonController('/api')
@UseBefore(SessionMiddleware)
@Service()
export class AccountController {
  /** Who is logged in, how often this browser came by, where the session lives and when it ends. */
  @Get('/me')
  me(@Req() req: Request, @CurrentSession() session: Session<DemoSession>) {
    session.visits = (session.visits ?? 0) + 1;
    const meta = session.meta!;
    return {
      user: session.isLoggedIn ? session.user : null,
      visits: session.visits,
      store: req.app.locals.sessionStore as string,
      session: { createdAt: meta.createdAt, expiresAt: meta.expiresAt, remainingSeconds: meta.remainingSeconds },
    };
  }

  @Post('/login')
  async login(@Body() form: LoginForm, @CurrentSession() session: Session<DemoSession>) {
    const name =
      String(form?.name ?? '')
        .trim()
        .slice(0, 40) || 'guest';
    // A new id on every privilege change defeats session fixation.
    await session.regenerate();
    session.user = name;
    return { user: name };
  }

  @Post('/logout')
  async logout(
    @SessionParam<DemoSession>('user', { required: true }) user: string,
    @CurrentSession() session: Session<DemoSession>,
  ) {
    await session.destroy();
    return { goodbye: user };
  }
}
