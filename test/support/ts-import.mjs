// Lets a child `node` process import the library's TypeScript sources without a build:
// `node --import ./test/support/ts-import.mjs app.mjs`. Each .ts file is transpiled on load
// (TypeScript's transpileModule, the project's decorator settings), and a relative `.js`
// specifier resolves to the `.ts` file next to it, as NodeNext sources write their imports.
/* global URL */
// Transpiled files are kept in the OS temp folder by content hash, so that only the first child
// of a test run pays for loading TypeScript.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { register } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CACHE_DIR = join(tmpdir(), 'cachex-ts-import');

if (!process.env.CACHEX_TS_IMPORT_HOOKS) {
  process.env.CACHEX_TS_IMPORT_HOOKS = '1';
  register(import.meta.url);
}

let ts;

/** Node module hook: `./x.js` imported from a .ts file is `./x.ts` when that exists. */
export async function resolve(specifier, context, next) {
  if (
    specifier.startsWith('.') &&
    specifier.endsWith('.js') &&
    context.parentURL?.endsWith('.ts')
  ) {
    const url = new URL(`${specifier.slice(0, -3)}.ts`, context.parentURL);
    if (existsSync(fileURLToPath(url))) return { url: url.href, shortCircuit: true };
  }
  return next(specifier, context);
}

/** Node module hook: a .ts file loads as the ES module TypeScript transpiles it to. */
export async function load(url, context, next) {
  if (!url.endsWith('.ts')) return next(url, context);
  const fileName = fileURLToPath(url);
  const source = await readFile(fileName, 'utf8');
  const cached = join(
    CACHE_DIR,
    `${createHash('sha1').update(url).update(source).digest('hex')}.js`,
  );
  if (existsSync(cached)) {
    return { format: 'module', source: await readFile(cached, 'utf8'), shortCircuit: true };
  }
  ts ??= (await import('typescript')).default;
  const { outputText } = ts.transpileModule(source, {
    fileName,
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2023,
      experimentalDecorators: true,
      emitDecoratorMetadata: true,
      esModuleInterop: true,
      inlineSourceMap: true,
    },
  });
  // Written aside, then renamed: a child running in parallel never reads half a file.
  await mkdir(CACHE_DIR, { recursive: true });
  const partial = `${cached}.${process.pid}`;
  await writeFile(partial, outputText);
  await rename(partial, cached);
  return { format: 'module', source: outputText, shortCircuit: true };
}
