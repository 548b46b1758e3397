/**
 * The package as a user meets it: `npm pack`, then the tarball installed into throw-away projects outside the
 * repository (no `src/` within reach), which compile every TypeScript block of the README as written and run a request.
 */
import { expect } from 'chai';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
/** The express major the suite runs on (CI runs it on both). */
const EXPRESS = (
  JSON.parse(readFileSync(require.resolve('express/package.json'), 'utf8')) as { version: string }
).version.split('.')[0];
const PEERS = [
  `express@${EXPRESS}`,
  'routing-controllers@0.11',
  'typedi@0.10',
  'reflect-metadata@0.2',
  'class-validator@0.14',
  'class-transformer@0.5',
];
const TYPES = ['typescript@5.9', `@types/express@${EXPRESS}`, '@types/node@20'];
/** What the examples of docs/testing.md test with. */
const TEST_TOOLS = ['supertest@7', '@types/supertest@7', '@types/mocha@10'];

/** Every ```ts block of the README, as files of their own: `readme-1.ts`, `readme-2.ts`... */
function readmeBlocks(): Record<string, string> {
  return markdownBlocks('README.md', 'readme', 3);
}

/** Every ```ts block of the Markdown file `path`, as files `<prefix>-1.ts`...; at least `atLeast` of them. */
function markdownBlocks(path: string, prefix: string, atLeast: number): Record<string, string> {
  const text = readFileSync(join(ROOT, path), 'utf8');
  const blocks = [...text.matchAll(/```ts\n([\s\S]*?)```/g)].map(match => match[1]);
  if (blocks.length < atLeast) throw new Error(`expected the TypeScript blocks of ${path}, found ${blocks.length}`);
  return Object.fromEntries(blocks.map((block, i) => [`${prefix}-${i + 1}.ts`, block]));
}

function run(command: string, args: string[], cwd: string): string {
  return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A request through the package: a visit counter on a plain express app, twice with the cookie. */
const COUNTER = (load: string) => `${load}
const app = express();
app.use(sessionMiddleware({ backend: new InMemoryBackend(), autoload: true, cookie: { secure: false } }));
app.get('/', (req, res) => { req.session.visits = Number(req.session.visits ?? 0) + 1; res.json({ visits: req.session.visits }); });
const server = app.listen(0, '127.0.0.1', async () => {
  const url = 'http://127.0.0.1:' + server.address().port + '/';
  const first = await fetch(url);
  const cookie = first.headers.get('set-cookie').split(';')[0];
  const second = await (await fetch(url, { headers: { cookie } })).json();
  console.log(JSON.stringify({ first: (await first.json()).visits, second: second.visits }));
  server.close();
});
`;

/**
 * The /testing subpath on a plain express app: a seeded session counted on, a first visit read from its response,
 * and the shipped conformance cases run against InMemoryBackend.
 */
const TESTING = (load: string) => `${load}
const options = { backend: new InMemoryBackend(), cookie: { secure: false } };
const app = express();
app.use(sessionMiddleware(options));
app.post('/', async (req, res) => { await req.session.load(); req.session.visits = Number(req.session.visits ?? 0) + 1; res.json({}); });
const sessions = configureSessions(options);
const server = app.listen(0, '127.0.0.1', async () => {
  const url = 'http://127.0.0.1:' + server.address().port + '/';
  const cookie = await createSessionCookie(sessions, { visits: 41 });
  await fetch(url, { method: 'POST', headers: { cookie } });
  const seeded = await readSessionFromCookie(sessions, cookie);
  const fresh = await readSessionFromResponse(sessions, await fetch(url, { method: 'POST' }));
  server.close();
  const cases = backendConformanceCases(() => new InMemoryBackend(), { revocable: true, locks: true });
  const failed = [];
  for (const c of cases) await c.run().catch(error => failed.push(c.name + ': ' + error.message));
  console.log(JSON.stringify({ seeded, fresh, cases: cases.length, failed }));
});
`;

describe('the packed package in a fresh project', function () {
  this.timeout(240_000);
  let project: string;

  before(() => {
    project = mkdtempSync(join(tmpdir(), 'rcs-consumer-'));
    const packed = run('npm', ['pack', '--silent', '--pack-destination', project], ROOT).trim().split('\n').pop()!;
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
    run(
      'npm',
      [
        'install',
        '--no-audit',
        '--no-fund',
        '--prefer-offline',
        join(project, packed),
        ...PEERS,
        ...TYPES,
        ...TEST_TOOLS,
      ],
      project,
    );
  });

  after(() => rmSync(project, { recursive: true, force: true }));

  /** A project under the install, with its own package.json and tsconfig; returns its folder. */
  function subproject(
    name: string,
    type: 'commonjs' | 'module',
    compilerOptions: object,
    files: Record<string, string>,
  ): string {
    const dir = join(project, name);
    mkdirSync(dir);
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ type }));
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, include: ['*.ts'] }));
    for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
    return dir;
  }

  function compile(dir: string): string {
    try {
      run(process.execPath, [join(project, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir], dir);
      return '';
    } catch (error) {
      return String((error as { stdout?: string }).stdout ?? error);
    }
  }

  const decorators = { experimentalDecorators: true, emitDecoratorMetadata: true };
  /** The strictest settings a CommonJS user may have. */
  const strictest = {
    ...decorators,
    strict: true,
    exactOptionalPropertyTypes: true,
    noUncheckedIndexedAccess: true,
    module: 'node16',
    target: 'es2022',
  };

  it('ships the build, the licence and the changelog, and no source or source maps', () => {
    const listing = run('tar', ['-tzf', run('sh', ['-c', 'ls *.tgz'], project).trim()], project);
    expect(listing).to.include('package/dist/index.js').and.include('package/dist/index.d.ts');
    expect(listing).to.include('package/LICENSE').and.include('package/CHANGELOG.md');
    expect(listing).to.include('package/dist/testing/index.js').and.include('package/docs/testing.md');
    expect(listing).to.not.match(/\.map\n|package\/src\//);
  });

  it('compiles every TypeScript block of the README as written in a strict CommonJS project', () => {
    const dir = subproject('strict-cjs', 'commonjs', { ...strictest, outDir: 'out' }, readmeBlocks());
    expect(compile(dir)).to.equal('');
  });

  it('runs the Quick start as compiled there: log in, read the cart, log out', async () => {
    const dir = join(project, 'strict-cjs');
    // The app listens where the README says (port 3000); this preload moves it to a free loopback port instead.
    writeFileSync(
      join(dir, 'loopback.cjs'),
      `const http = require('node:http');
const listen = http.Server.prototype.listen;
http.Server.prototype.listen = function () {
  this.once('listening', () => console.log('listening ' + this.address().port));
  return listen.call(this, 0, '127.0.0.1');
};`,
    );
    const app = spawn(process.execPath, ['-r', './loopback.cjs', 'out/readme-1.js'], {
      cwd: dir,
      env: { ...process.env, SESSION_SECRET: 'a'.repeat(32) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const port = await new Promise<string>((resolve, reject) => {
        app.stdout.on('data', (chunk: Buffer) => {
          const found = /listening (\d+)/.exec(String(chunk));
          if (found) resolve(found[1]);
        });
        app.once('exit', code => reject(new Error(`the Quick start exited with ${code}`)));
      });
      const base = `http://127.0.0.1:${port}/api`;
      const json = { 'Content-Type': 'application/json' };
      const login = await fetch(`${base}/login`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ name: 'Ada' }),
      });
      expect(await login.json()).to.deep.equal({ user: 'Ada' });
      const cookie = login.headers.get('set-cookie')!.split(';')[0];
      expect(await (await fetch(`${base}/cart`, { headers: { cookie } })).json()).to.deep.equal({ items: [] });
      const logout = await fetch(`${base}/logout`, { method: 'POST', headers: { cookie } });
      expect(await logout.json()).to.deep.equal({ goodbye: 'Ada' });
    } finally {
      app.kill();
    }
  });

  it('compiles every TypeScript block of the README as written in an ESM project with verbatimModuleSyntax', () => {
    const dir = subproject(
      'esm',
      'module',
      { ...decorators, strict: true, verbatimModuleSyntax: true, module: 'nodenext', target: 'es2022', outDir: 'out' },
      readmeBlocks(),
    );
    expect(compile(dir)).to.equal('');
  });

  it('compiles every TypeScript block of docs/testing.md, features.md, events.md and locking.md in a strict project', () => {
    const dir = subproject(
      'testing-docs',
      'commonjs',
      { ...strictest, noEmit: true },
      {
        ...markdownBlocks('docs/testing.md', 'testing', 3),
        ...markdownBlocks('docs/features.md', 'features', 4),
        ...markdownBlocks('docs/events.md', 'events', 2),
        ...markdownBlocks('docs/locking.md', 'locking', 1),
      },
    );
    expect(compile(dir)).to.equal('');
  });

  it('runs the /testing subpath from plain .cjs and .mjs files: seeds, reads back, runs the conformance cases', () => {
    const dir = subproject(
      'testing-plain',
      'commonjs',
      {},
      {
        'testing.cjs': TESTING(
          "require('reflect-metadata');\nconst express = require('express');\n" +
            "const { configureSessions, sessionMiddleware, InMemoryBackend } = require('routing-controllers-sessions');\n" +
            'const { backendConformanceCases, createSessionCookie, readSessionFromCookie, readSessionFromResponse } = ' +
            "require('routing-controllers-sessions/testing');",
        ),
        'testing.mjs': TESTING(
          "import 'reflect-metadata';\nimport express from 'express';\n" +
            "import { configureSessions, sessionMiddleware, InMemoryBackend } from 'routing-controllers-sessions';\n" +
            'import { backendConformanceCases, createSessionCookie, readSessionFromCookie, readSessionFromResponse } ' +
            "from 'routing-controllers-sessions/testing';",
        ),
      },
    );
    for (const file of ['testing.cjs', 'testing.mjs']) {
      expect(JSON.parse(run(process.execPath, [file], dir)), file).to.deep.equal({
        seeded: { visits: 42 },
        fresh: { visits: 1 },
        cases: 23,
        failed: [],
      });
    }
  });

  it('checks SessionFields augmented through the package name, as the README says', () => {
    const dir = subproject(
      'augmented',
      'commonjs',
      { ...decorators, strict: true, module: 'node16', target: 'es2022', noEmit: true },
      {
        'fields.ts': `import type { Request } from 'express';
import { SessionParam } from 'routing-controllers-sessions';
declare module 'routing-controllers-sessions' {
  interface SessionFields { user?: string; cart?: string[] }
}
export function handler(req: Request): void {
  req.session.user = 'ada';
  // @ts-expect-error: not declared in SessionFields
  req.session.usr = 'ada';
}
export class Params {
  method(
    @SessionParam('user') user: string,
    // @ts-expect-error: not a declared key
    @SessionParam('usr') typo: string,
  ): void {
    void user;
    void typo;
  }
}
`,
      },
    );
    expect(compile(dir)).to.equal('');
  });

  it('runs a request from plain .cjs and .mjs files, and closes deep imports', () => {
    const dir = subproject(
      'plain',
      'commonjs',
      {},
      {
        'counter.cjs': COUNTER(
          "const express = require('express');\nconst { sessionMiddleware, InMemoryBackend } = require('routing-controllers-sessions');",
        ),
        'counter.mjs': COUNTER(
          "import express from 'express';\nimport { sessionMiddleware, InMemoryBackend } from 'routing-controllers-sessions';",
        ),
        'deep.cjs':
          "try { require('routing-controllers-sessions/dist/internal/debug'); console.log('open'); } catch (e) { console.log(e.code); }",
      },
    );
    for (const file of ['counter.cjs', 'counter.mjs']) {
      expect(JSON.parse(run(process.execPath, [file], dir)), file).to.deep.equal({ first: 1, second: 2 });
    }
    expect(run(process.execPath, ['deep.cjs'], dir).trim()).to.equal('ERR_PACKAGE_PATH_NOT_EXPORTED');
  });
});
