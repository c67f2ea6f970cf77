import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { parseConfigText } from '../../functions/core/config/load.js';
import type { BurnwatchConfig } from '../../functions/core/config/schema.js';
import type { BurnwatchGovernanceProps } from '../../infra/constructs/burnwatch-governance.js';
import { BurnwatchStack } from '../../infra/stacks/burnwatch-stack.js';

const repoRoot = join(import.meta.dirname, '..', '..');

/** The example config every infra test deploys (what a fresh clone synthesizes). */
export function exampleConfig(): BurnwatchConfig {
  const file = join(repoRoot, 'burnwatch.config.example.json');
  return parseConfigText(readFileSync(file, 'utf8'), file);
}

export interface Synthesized {
  readonly app: App;
  readonly stack: BurnwatchStack;
  readonly template: Template;
  /** The cloud assembly directory (bundled Lambda assets live here). */
  readonly outdir: string;
}

/**
 * Synthesizes one BurnwatchStack. With `bundle: true` every handler is bundled with the local esbuild
 * (about a second per function), for the tests that open the bundles; otherwise CDK's own switch
 * (`aws:cdk:bundling-stacks: []`) leaves bundling out, and the template is the same but for asset
 * hashes, so the tests of resources, IAM and cdk-nag do not pay for it. Each test file synthesizes
 * once in `beforeAll` and shares the result.
 */
export function synthBurnwatch(
  overrides: Partial<BurnwatchGovernanceProps> = {},
  opts: { bundle?: boolean } = {},
): Synthesized {
  // The feature flags cdk.json gives `cdk synth`, so tests assert what actually deploys.
  const cdkJson = JSON.parse(readFileSync(join(repoRoot, 'cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  };
  const app = new App({
    context: { ...cdkJson.context, ...(opts.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }) },
  });
  const stack = new BurnwatchStack(app, 'Burnwatch', {
    governance: { config: exampleConfig(), ...overrides },
  });
  const template = Template.fromStack(stack);
  return { app, stack, template, outdir: app.outdir };
}

/** The logical id of the single resource of `type` whose id starts with `prefix`. */
export function logicalId(template: Template, type: string, prefix: string): string {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.startsWith(prefix));
  if (ids.length !== 1)
    throw new Error(`expected one ${type} starting with ${prefix}, found ${ids.join(', ') || 'none'}`);
  return ids[0] as string;
}
