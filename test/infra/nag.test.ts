import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { synthBurnwatch } from './synth.js';

/** Unacknowledged cdk-nag findings (errors and warnings alike) as `rule at construct path` lines. */
function findings(overrides: Parameters<typeof synthBurnwatch>[0]): string[] {
  const { app } = synthBurnwatch(overrides);
  const report = new AwsSolutionsChecks(app).validateScope(app);
  return report.violations.flatMap((v) =>
    v.violatingResources.map((r) => `${v.severity} ${v.ruleName} at ${r.constructPath}`),
  );
}

describe('cdk-nag AwsSolutions checks', () => {
  it('finds nothing unacknowledged in the default stack (secrets created, AWS-managed table key)', () => {
    expect(findings({ alertEmails: ['finops@example.com'] })).toEqual([]);
  });

  it('finds nothing unacknowledged with imported secrets, a customer-managed table key and no tracing', () => {
    expect(findings({ secrets: 'import', tableEncryption: 'customer-managed', tracing: false })).toEqual([]);
  });

  it('still reports a finding nobody acknowledged (the check is live, not blanket-suppressed)', () => {
    const { app, stack } = synthBurnwatch();
    // A function role given a wildcard action the construct never acknowledges.
    stack.governance.slash.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['dynamodb:*'], resources: ['*'] }),
    );
    const report = new AwsSolutionsChecks(app).validateScope(app);
    expect(report.violations.map((v) => v.ruleName)).toContain('AwsSolutions-IAM5[Action::dynamodb:*]');
  });
});
