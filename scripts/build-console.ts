/**
 * `npm run build`, last step: the care team console (console/). The API schema is
 * derived from the composed supergraph (what a client of /graphql sees, federation
 * directives and @inaccessible elements gone) and written to console/schema.graphql;
 * GraphQL Code Generator's client preset types every operation the console declares
 * with `graphql()` (console/src/gql/); `tsc -p console/tsconfig.json` type-checks the
 * console, since esbuild does not, so a type error fails the build; esbuild bundles it
 * into dist/console/, which the gateway serves at `/` (gateway/console.ts).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Supergraph } from '@apollo/federation-internals';
import { generate } from '@graphql-codegen/cli';
import { build } from 'esbuild';
import { printSchema } from 'graphql';
import { config, PROJECT_ROOT } from '../shared/config';

const CONSOLE = path.join(PROJECT_ROOT, 'console');
const OUT = path.join(PROJECT_ROOT, 'dist', 'console');

/** The API schema clients see, printed from the supergraph (SUPERGRAPH_PATH, default ./supergraph.graphql). */
export function apiSchemaSdl(supergraphSdl = fs.readFileSync(config.supergraphPath, 'utf8')): string {
  return printSchema(Supergraph.build(supergraphSdl).apiSchema().toGraphQLJSSchema());
}

export async function buildConsole(): Promise<void> {
  const schemaFile = path.join(CONSOLE, 'schema.graphql');
  fs.writeFileSync(schemaFile, apiSchemaSdl());
  await generate({
    schema: schemaFile,
    documents: [path.join(CONSOLE, 'src/**/*.tsx'), `!${path.join(CONSOLE, 'src/gql/**')}`],
    silent: true,
    generates: {
      [path.join(CONSOLE, 'src/gql/')]: {
        preset: 'client',
        presetConfig: { fragmentMasking: false },
        config: {
          enumsAsTypes: true,
          useTypeImports: true,
          scalars: { DateTimeISO: 'string', Date: 'string', JSON: 'unknown' },
        },
      },
    },
  }, true);
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(CONSOLE, 'tsconfig.json'), '--noEmit'], { stdio: 'inherit' });
  fs.rmSync(OUT, { recursive: true, force: true });
  await build({
    entryPoints: [path.join(CONSOLE, 'src/main.tsx')],
    bundle: true,
    minify: true,
    sourcemap: true,
    format: 'esm',
    target: ['es2020'],
    outdir: OUT,
    entryNames: 'app',
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'warning',
  });
  for (const file of ['index.html', 'console.css']) fs.copyFileSync(path.join(CONSOLE, file), path.join(OUT, file));
}

if (require.main === module) {
  buildConsole().then(
    () => console.log(`console built into ${path.relative(PROJECT_ROOT, OUT)}/`),
    (e) => {
      console.error(e instanceof Error ? e.message : e);
      process.exit(1);
    },
  );
}
