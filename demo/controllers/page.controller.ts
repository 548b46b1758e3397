import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ContentType, Controller, Get } from 'routing-controllers';
import { Service } from 'typedi';

const PAGE = readFileSync(join(__dirname, '..', 'index.html'), 'utf8');

/** The one HTML page; it talks to the JSON API with fetch(). */
@Controller()
@Service()
export class PageController {
  @Get('/')
  @ContentType('text/html; charset=utf-8')
  page() {
    return PAGE;
  }
}
