import { BadRequestError, Body, Delete, Get, JsonController, Post, UseBefore } from 'routing-controllers';
import { Service } from 'typedi';
import { CurrentSession, SessionMiddleware, type Session } from '../../src';
import { CART_LIMIT, type DemoSession } from '../session';

class AddItem {
  item!: string;
}

@JsonController('/api/cart')
@UseBefore(SessionMiddleware)
@Service()
export class CartController {
  @Get('/')
  list(@CurrentSession() session: Session<DemoSession>) {
    return { items: session.cart ?? [] };
  }

  @Post('/')
  add(@Body() body: AddItem, @CurrentSession() session: Session<DemoSession>) {
    const item = String(body?.item ?? '')
      .trim()
      .slice(0, 40);
    if (!item) throw new BadRequestError('Give the item a name');
    const cart = (session.cart ??= []);
    // DemoSession allows 20 (@ArrayMaxSize): say so, rather than let the schema refuse to save the session.
    if (cart.length >= CART_LIMIT) throw new BadRequestError(`The cart is full: it holds at most ${CART_LIMIT} items`);
    cart.push(item);
    return { items: session.cart };
  }

  @Delete('/')
  empty(@CurrentSession() session: Session<DemoSession>) {
    delete session.cart;
    return { items: [] };
  }
}
