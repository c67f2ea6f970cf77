import { App, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import * as z from 'zod';
import { ConfigError } from '../functions/core/config/load.js';
import { EXAMPLE_CONFIG_FILE, loadDeployConfig } from './config.js';
import { BurnwatchStack } from './stacks/burnwatch-stack.js';

/**
 * The burnwatch CDK app (`npx cdk synth` / `npx cdk deploy`). Reads and validates burnwatch.config.json
 * (or the example on a fresh clone) and deploys one BurnwatchStack. Options come from CDK context
 * (`-c key=value` or cdk.json):
 *
 * | context | meaning |
 * |---|---|
 * | `burnwatch:config` | config file to deploy (default burnwatch.config.json, else the example) |
 * | `burnwatch:stackName` | stack name (default Burnwatch) |
 * | `burnwatch:alarmEmails` | comma-separated emails subscribed to the alert topic |
 * | `burnwatch:secrets` | `create` (default: empty secrets to fill) or `import` (secrets exist) |
 * | `burnwatch:removalPolicy` | `retain` (default) or `destroy` (table, secrets, key, logs) |
 * | `burnwatch:slashConcurrency` | reserved concurrency of the slash function (default 10) |
 */
const contextSchema = z.object({
  'burnwatch:config': z.string().min(1).optional(),
  'burnwatch:stackName': z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9-]*$/, 'must be a CloudFormation stack name')
    .default('Burnwatch'),
  'burnwatch:alarmEmails': z
    .string()
    .default('')
    .transform((s) =>
      s
        .split(',')
        .map((e) => e.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.email('must be comma-separated email addresses'))),
  'burnwatch:secrets': z.enum(['create', 'import']).default('create'),
  'burnwatch:removalPolicy': z.enum(['retain', 'destroy']).default('retain'),
  // `-c` gives strings, cdk.json numbers.
  'burnwatch:slashConcurrency': z
    .union([z.number(), z.string().regex(/^\d+$/, 'must be a whole number').transform(Number)])
    .pipe(
      z
        .number()
        .int()
        .min(1, 'must be at least 1')
        .max(1000, 'must be at most 1000 (10 is plenty for /burn)'),
    )
    .optional(),
});

const app = new App();
const keys = Object.keys(contextSchema.shape);
const context = contextSchema.safeParse(Object.fromEntries(keys.map((k) => [k, app.node.tryGetContext(k)])));
if (!context.success) {
  const lines = context.error.issues.map((i) => `  context ${i.path.join('.')}: ${i.message}`);
  console.error(`Invalid CDK context:\n${lines.join('\n')}`);
  process.exit(1);
}
const ctx = context.data;

let deploy: ReturnType<typeof loadDeployConfig>;
try {
  deploy = loadDeployConfig({ cwd: process.cwd(), path: ctx['burnwatch:config'] });
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(1);
  }
  throw err;
}
if (deploy.usedExample) {
  console.error(
    `Note: no burnwatch.config.json; synthesizing with ${EXAMPLE_CONFIG_FILE}. Copy it to burnwatch.config.json and edit it before deploying.`,
  );
}

new BurnwatchStack(app, ctx['burnwatch:stackName'], {
  description: `burnwatch AI spend governance for ${deploy.config.organization.name}`,
  // Environment-agnostic unless the CLI knows the account (cdk deploy with credentials).
  env:
    process.env.CDK_DEFAULT_ACCOUNT && process.env.CDK_DEFAULT_REGION
      ? { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION }
      : undefined,
  governance: {
    config: deploy.config,
    alertEmails: ctx['burnwatch:alarmEmails'],
    secrets: ctx['burnwatch:secrets'],
    removalPolicy:
      ctx['burnwatch:removalPolicy'] === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    ...(ctx['burnwatch:slashConcurrency'] !== undefined
      ? { slashReservedConcurrency: ctx['burnwatch:slashConcurrency'] }
      : {}),
  },
});

// cdk-nag 3 runs as a policy-validation plugin: any unacknowledged finding fails `cdk synth`.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
