import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const LIB = resolve(dirname(fileURLToPath(import.meta.url)), '../../../lib');
const STATIC_IMPORT = /^\s*(?:import|export)\s[^;]*?from\s+'([^']+)'/gm;
const DYNAMIC_IMPORT = /\bimport\(\s*'([^']+)'\s*\)/g;

interface Graph {
  /** Packages imported statically by a module of the graph (type-only imports left out). */
  packages: Set<string>;
  /** Packages imported with `import()`, loaded only when the code runs. */
  dynamic: Set<string>;
}

/** The packages that the modules reachable from `entry` import, statically and dynamically. */
function importGraph(entry: string): Graph {
  const graph: Graph = { packages: new Set(), dynamic: new Set() };
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    for (const match of source.matchAll(STATIC_IMPORT)) {
      if (/^\s*(?:import|export)\s+type\s/.test(match[0])) continue;
      const specifier = match[1]!;
      if (specifier.startsWith('.'))
        visit(resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
      else graph.packages.add(specifier);
    }
    for (const match of source.matchAll(DYNAMIC_IMPORT)) graph.dynamic.add(match[1]!);
  };
  visit(entry);
  return graph;
}

describe('optional peer dependencies', () => {
  it('keeps @nestjs/terminus and @opentelemetry/api out of the main entry point', () => {
    const main = importGraph(resolve(LIB, 'index.ts'));
    expect(main.packages).toContain('@nestjs/common');
    expect(main.packages).not.toContain('@nestjs/terminus');
    expect(main.packages).not.toContain('@opentelemetry/api');
    expect(main.dynamic).toContain('@opentelemetry/api');
  });

  it('loads @nestjs/terminus from the nestjs-cachex/health entry point', () => {
    expect(importGraph(resolve(LIB, 'health/index.ts')).packages).toContain('@nestjs/terminus');
  });
});
