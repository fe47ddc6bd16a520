// Type-checks every ```ts / ```typescript block of README.md against the built package, as a user
// would compile it: `import … from 'nestjs-cachex'` resolves through the package's own "exports"
// to dist/index.d.ts (the published typings, so run `npm run build` first), and @nestjs/*, ioredis
// and the rest come from the repository's node_modules. Strict, NodeNext, decorators on.
//
// A block that is a fragment (calls on an existing `cache`, one option object) gets its context
// from an HTML comment right before it (blank lines allowed in between), which readers of the
// rendered README do not see and which is prepended to the block when checking:
//
//   <!-- ts-context: import type { CacheService } from 'nestjs-cachex'; declare const cache: CacheService; -->
//
// The comment may span several lines. Each block is its own module (top-level `await` works).
// Blocks that are not TypeScript use another fence language (bash, json, jsonc, http, python).
// Plain Node and the repository's TypeScript; no files are written. Usage:
//   npm run build && node test/readme/check-readme.mjs [path/to/README.md]
/* global URL */
import { existsSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const README = resolve(process.argv[2] ?? join(ROOT, 'README.md'));
const TS_FENCE = /^(?:ts|typescript)$/;
const CONTEXT_OPEN = '<!-- ts-context:';
const CONTEXT_CLOSE = '-->';

const COMPILER_OPTIONS = {
  strict: true,
  target: ts.ScriptTarget.ES2023,
  lib: ['lib.es2023.d.ts', 'lib.esnext.disposable.d.ts'],
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  moduleDetection: ts.ModuleDetectionKind.Force,
  types: ['node'],
  experimentalDecorators: true,
  emitDecoratorMetadata: true,
  // The dependencies' typings are checked by their authors, and the package's by its build.
  skipLibCheck: true,
  noEmit: true,
};

/**
 * Packages the README shows but the repository does not install, with the members the README
 * uses as their published typings declare them. Each is declared only while it is not installed;
 * once it is, its real typings are used.
 */
const NOT_INSTALLED = {
  '@nestjs/config': `
    import type { DynamicModule } from '@nestjs/common';
    export class ConfigModule { static forRoot(options?: object): Promise<DynamicModule>; }
    export class ConfigService { get<T = any>(propertyPath: string): T | undefined; }`,
  '@nestjs/schedule': `
    export function Cron(cronTime: string | Date, options?: object): MethodDecorator;`,
  superjson: `
    export default class SuperJSON {
      static stringify(object: unknown): string;
      static parse<T = unknown>(string: string): T;
    }`,
};

/**
 * The TypeScript blocks of a Markdown text: `{ line, code, context, contextLine }`, where `line`
 * is the 1-based line of the block's first code line and `context` the text of the
 * `ts-context` comment before it (or '').
 */
function extractBlocks(markdown) {
  const lines = markdown.split('\n');
  const blocks = [];
  const problems = [];
  let pending; // the last ts-context comment not yet used: { text, line }
  for (let i = 0; i < lines.length; i++) {
    const trimmed = lines[i].trim();
    if (trimmed.startsWith(CONTEXT_OPEN)) {
      if (pending) problems.push({ line: pending.line, message: 'ts-context before no ts block' });
      const start = i;
      let text = trimmed.slice(CONTEXT_OPEN.length);
      while (!text.includes(CONTEXT_CLOSE) && i + 1 < lines.length) text += `\n${lines[++i]}`;
      if (!text.includes(CONTEXT_CLOSE)) {
        problems.push({ line: start + 1, message: 'ts-context comment is not closed with -->' });
        break;
      }
      pending = { text: text.slice(0, text.indexOf(CONTEXT_CLOSE)).trim(), line: start + 1 };
      continue;
    }
    const fence = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)/.exec(lines[i]);
    if (!fence) {
      if (trimmed !== '' && pending) {
        problems.push({ line: pending.line, message: 'ts-context is not right before a ts block' });
        pending = undefined;
      }
      continue;
    }
    const [, indent, marker, language] = fence;
    const open = i;
    const body = [];
    while (++i < lines.length && !lines[i].trim().startsWith(marker)) {
      body.push(lines[i].startsWith(indent) ? lines[i].slice(indent.length) : lines[i]);
    }
    if (TS_FENCE.test(language)) {
      blocks.push({
        line: open + 2,
        code: body.join('\n'),
        context: pending?.text ?? '',
        contextLine: pending?.line,
      });
    } else if (pending) {
      problems.push({ line: pending.line, message: `ts-context before a ${language} block` });
    }
    pending = undefined;
  }
  if (pending) problems.push({ line: pending.line, message: 'ts-context before no ts block' });
  return { blocks, problems };
}

/** Type-checks the blocks in one program; answers the diagnostics mapped to Markdown lines. */
function checkBlocks(blocks) {
  // Virtual files inside the repository, so that 'nestjs-cachex' resolves to the package itself.
  const files = new Map(
    blocks.map((block) => {
      const prelude = block.context === '' ? '' : `${block.context}\n`;
      const file = join(ROOT, `README.block-${block.line}.ts`);
      return [file, { block, text: prelude + block.code, preludeLines: lineCount(prelude) }];
    }),
  );
  const declarations = Object.entries(NOT_INSTALLED)
    .filter(([name]) => !existsSync(join(ROOT, 'node_modules', name)))
    .map(([name, body]) => `declare module '${name}' {${body}\n}\n`);
  if (declarations.length > 0) {
    // A declaration file, so a script whose `declare module` blocks are ambient modules.
    const file = join(ROOT, 'README.not-installed.d.ts');
    files.set(file, { text: declarations.join(''), preludeLines: 0 });
  }
  const host = ts.createCompilerHost(COMPILER_OPTIONS, true);
  const { fileExists, readFile, getSourceFile } = host;
  host.fileExists = (file) => files.has(file) || fileExists.call(host, file);
  host.readFile = (file) => files.get(file)?.text ?? readFile.call(host, file);
  host.getSourceFile = (file, languageVersion, ...rest) =>
    files.has(file)
      ? ts.createSourceFile(file, files.get(file).text, languageVersion, true)
      : getSourceFile.call(host, file, languageVersion, ...rest);
  const program = ts.createProgram([...files.keys()], COMPILER_OPTIONS, host);
  // A block that does not parse gets its syntax errors only, not the noise they cause.
  const diagnostics = [
    ...program.getOptionsDiagnostics(),
    ...program.getGlobalDiagnostics(),
    ...[...files.keys()].flatMap((file) => {
      const source = program.getSourceFile(file);
      const syntax = program.getSyntacticDiagnostics(source);
      return syntax.length > 0 ? syntax : program.getSemanticDiagnostics(source);
    }),
  ];
  return diagnostics.map((diagnostic) => {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
    const entry = diagnostic.file && files.get(diagnostic.file.fileName);
    if (!entry?.block) {
      const where = diagnostic.file ? relative(ROOT, diagnostic.file.fileName) : 'TypeScript';
      return { line: 0, where, code: diagnostic.code, message };
    }
    const { line, character } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
    const inPrelude = line < entry.preludeLines;
    return {
      line: inPrelude ? entry.block.contextLine : entry.block.line + line - entry.preludeLines,
      column: inPrelude ? undefined : character + 1,
      inContext: inPrelude,
      code: diagnostic.code,
      message,
      source: entry.text.split('\n')[line],
    };
  });
}

/**
 * Type-checks the published typings themselves: dist/index.d.ts and every declaration it reaches,
 * with `skipLibCheck` off, so that a declaration that refers to one `stripInternal` removed (an
 * `@internal` type used in a public signature) fails here instead of becoming `any` for users.
 * Diagnostics of the dependencies' typings are theirs, not reported.
 */
function checkTypings() {
  const dist = join(ROOT, 'dist');
  const program = ts.createProgram([join(dist, 'index.d.ts')], {
    ...COMPILER_OPTIONS,
    skipLibCheck: false,
  });
  return ts
    .getPreEmitDiagnostics(program)
    .filter((diagnostic) => diagnostic.file?.fileName.startsWith(dist))
    .map((diagnostic) => {
      const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
      return {
        line: 0,
        where: `${relative(ROOT, diagnostic.file.fileName)}:${line + 1}`,
        code: diagnostic.code,
        message: ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'),
      };
    });
}

function lineCount(text) {
  return text === '' ? 0 : text.split('\n').length - 1;
}

function main() {
  if (!existsSync(join(ROOT, 'dist', 'index.d.ts'))) {
    console.error('dist/index.d.ts is missing: run `npm run build` first.');
    return 1;
  }
  const name = relative(process.cwd(), README) || README;
  const { blocks, problems } = extractBlocks(readFileSync(README, 'utf8'));
  const diagnostics = [...checkTypings(), ...checkBlocks(blocks)];
  for (const problem of problems) console.error(`${name}:${problem.line} - ${problem.message}`);
  for (const d of diagnostics.sort((a, b) => a.line - b.line)) {
    const where = d.where ?? `${name}:${d.line}${d.column ? `:${d.column}` : ''}`;
    const context = d.inContext ? ' (in the ts-context comment)' : '';
    console.error(`${where} - error TS${d.code}${context}: ${d.message}`);
    if (d.source !== undefined) console.error(`    ${d.source.trim()}`);
  }
  const withContext = blocks.filter((block) => block.context !== '').length;
  if (problems.length + diagnostics.length > 0) {
    console.error(
      `${name}: ${diagnostics.length} type error(s) and ${problems.length} ts-context problem(s) ` +
        `in ${blocks.length} TypeScript blocks. Fix the block, or give a fragment its context ` +
        'in a <!-- ts-context: … --> comment right before it (see "Testing" in the README).',
    );
    return 1;
  }
  console.log(
    `${name}: the published typings compile, and all ${blocks.length} TypeScript blocks compile against them (${withContext} with a ts-context).`,
  );
  return 0;
}

process.exitCode = main();
