import type { Request } from 'express';
import { BadRequestError, Body, Delete, Get, JsonController, Post, Req, UseBefore } from 'routing-controllers';
import { Service } from 'typedi';
import { SessionMiddleware } from '../../src';

class AddItem {
  item!: string;
}

@JsonController('/api/cart')
@UseBefore(SessionMiddleware)
@Service()
export class CartController {
  @Get('/')
  list(@Req() req: Request) {
    return { items: (req.session.cart as string[] | undefined) ?? [] };
  }

  @Post('/')
  add(@Body() body: AddItem, @Req() req: Request) {
    const item = String(body?.item ?? '').trim().slice(0, 40);
    if (!item) throw new BadRequestError('Give the item a name');
    const cart = ((req.session.cart as string[] | undefined) ??= []);
    if (cart.length >= 20) throw new BadRequestError('The cart holds 20 items at most');
    cart.push(item);
    return { items: cart };
  }

  @Delete('/')
  empty(@Req() req: Request) {
    delete req.session.cart;
    return { items: [] };
  }
}
