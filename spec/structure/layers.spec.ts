import { expect } from 'chai';
import path from 'node:path';

// Plain JavaScript (with a .d.ts), so that `npm test` can run it before anything is compiled.
import { checkLayers, readSources } from '../../scripts/check-layers';

describe('the layout of src/', () => {
  it('has every import point down a layer, or stay in its folder', () => {
    expect(checkLayers(readSources(path.join(__dirname, '..', '..', 'src')))).to.deep.equal([]);
  });

  it('is checked: an upward import, a cross import on one layer and a public export from internal/ are refused', () => {
    const problems = checkLayers(
      new Map([
        ['backends/memory.ts', "import type { SessionState } from '../session/state';\n"],
        ['decorators/x.ts', "import { startSession } from '../middleware/start-session';\n"],
        ['index.ts', "export { debug } from './internal/debug';\n"],
        [
          'session/state.ts',
          "import { SessionBackend } from '../backends/backend';\nimport { EMPTY } from './stored-record';\n",
        ],
      ]),
    );
    expect(problems).to.have.length(3);
    expect(problems[0]).to.include('backends/memory.ts').and.include('session is not below backends');
    expect(problems[1]).to.include('middleware is not below decorators');
    expect(problems[2]).to.include('never comes from internal/');
  });

  it('asks a long file to say why it is one file', () => {
    const long = 'export const x = 1;\n'.repeat(300);
    expect(checkLayers(new Map([['http/long.ts', long]]))).to.have.length(1);
    expect(checkLayers(new Map([['http/long.ts', `/** One machine, hence 300 lines. */\n${long}`]]))).to.deep.equal([]);
  });
});
