/** What the demo keeps in a session, checked whenever it loads and before it is saved. */
import { ArrayMaxSize, IsArray, IsInt, IsOptional, IsString, Length, Min } from 'class-validator';

/** The most items a cart holds. */
export const CART_LIMIT = 20;

export class DemoSession {
  @IsOptional()
  @IsString()
  @Length(1, 40)
  user?: string;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(CART_LIMIT)
  @IsString({ each: true })
  cart?: string[];

  @IsOptional()
  @IsInt()
  @Min(0)
  visits?: number;

  get isLoggedIn(): boolean {
    return this.user !== undefined;
  }
}
