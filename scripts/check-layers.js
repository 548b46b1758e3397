#!/usr/bin/env node
/**
 * The layering of src/ (see ARCHITECTURE in the team notes and the README's "Layout"): a part imports only parts
 * below it, or files of its own folder. Also: nothing public is reached through internal/, and a file over
 * MAX_LINES says why in its header. Run by `npm test`; exits 1 and lists every violation.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');

/** From the top: a part may import the parts listed after it. Parts on one line may not import each other. */
const LAYERS = [
  // testing/ is the `/testing` subpath: another entry point, on top beside index.ts.
  ['index.ts', 'testing'],
  ['middleware', 'decorators'],
  ['options'],
  ['session'],
  ['schema', 'backends', 'events'],
  ['http'],
  ['serializers'],
  ['record.ts', 'errors.ts'],
  ['internal'],
];
const MAX_LINES = 250;

/** The part a file belongs to: its top folder under src/, or the file itself at the top. */
function partOf(file) {
  return file.split('/')[0];
}

function rankOf(part) {
  const rank = LAYERS.findIndex(parts => parts.includes(part));
  if (rank === -1) throw new Error(`src/${part} belongs to no layer: add it to LAYERS in scripts/check-layers.js`);
  return rank;
}

/** The relative imports of `text` (import, export ... from, side-effect imports, import()). */
function importsOf(text) {
  const found = [];
  const pattern =
    /(?:^|[\s;])(?:import|export)\s*(?:[^'";]*?\sfrom\s*)?['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;
  for (const match of text.matchAll(pattern)) found.push(match[1] ?? match[2]);
  return found;
}

/**
 * The violations among `files`, a map of paths relative to src/ (with `.ts`) to their text.
 * @returns {string[]}
 */
function checkLayers(files) {
  const problems = [];
  for (const [file, text] of files) {
    const part = partOf(file);
    for (const specifier of importsOf(text)) {
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier));
      if (target.startsWith('..')) {
        problems.push(`${file}: imports ${specifier}, outside src/`);
        continue;
      }
      const targetPart = partOf(target.endsWith('.ts') || target.includes('/') ? target : `${target}.ts`);
      if (targetPart === part) continue;
      if (rankOf(targetPart) <= rankOf(part))
        problems.push(`${file}: imports ${specifier} (${targetPart} is not below ${part})`);
      if (file === 'index.ts' && targetPart === 'internal')
        problems.push(`${file}: exports from ${specifier}: public API never comes from internal/`);
    }
    const lines = text.split('\n').length;
    const header = /^\/\*\*[\s\S]*?\*\//.exec(text)?.[0] ?? '';
    if (lines > MAX_LINES + 10 && !/\blines\b/.test(header)) {
      problems.push(`${file}: ${lines} lines; split it, or say in its header why it is one file of that many lines`);
    }
  }
  return problems;
}

/** Every .ts file under `root`, by path relative to it. */
function readSources(root) {
  const files = new Map();
  const walk = dir => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ts'))
        files.set(path.relative(root, full).split(path.sep).join('/'), fs.readFileSync(full, 'utf8'));
    }
  };
  walk(root);
  return files;
}

module.exports = { checkLayers, readSources, LAYERS };

if (require.main === module) {
  const problems = checkLayers(readSources(path.join(__dirname, '..', 'src')));
  for (const problem of problems) console.error(`layers: ${problem}`);
  if (problems.length > 0) process.exit(1);
  console.log('layers: every import of src/ points down');
}
