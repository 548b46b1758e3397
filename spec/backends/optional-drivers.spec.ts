/** The store drivers are the app's: importing the package loads none of them. */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

describe('the optional store drivers', () => {
  it('are not loaded by importing the package', function () {
    this.timeout(30_000);
    const script = `
      require('reflect-metadata');
      require('./src');
      const loaded = Object.keys(require.cache)
        .map(file => /node_modules[\\\\/]((?:@[^\\\\/]+[\\\\/])?[^\\\\/]+)/.exec(file)?.[1])
        .filter(Boolean);
      process.stdout.write(JSON.stringify([...new Set(loaded)]));
    `;
    const root = join(__dirname, '..', '..');
    const loaded = JSON.parse(
      execFileSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], {
        cwd: root,
        encoding: 'utf8',
      }),
    ) as string[];
    expect(loaded, 'the package itself loads').to.include('routing-controllers');
    for (const driver of ['pg', 'better-sqlite3', 'redis', '@redis/client', 'ioredis']) {
      expect(loaded, driver).to.not.include(driver);
    }
  });
});
