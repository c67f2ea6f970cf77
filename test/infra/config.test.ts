import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../functions/core/config/load.js';
import {
  LambdaConfigError,
  loadBundledConfig,
  loadForecastEnv,
  loadIngestEnv,
  loadSlashEnv,
} from '../../functions/shared/lambda-config.js';
import { loadDeployConfig } from '../../infra/config.js';
import { exampleConfig } from './synth.js';

const repoRoot = join(import.meta.dirname, '..', '..');
const example = JSON.parse(readFileSync(join(repoRoot, 'burnwatch.config.example.json'), 'utf8'));

function dirWith(files: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'burnwatch-infra-test-'));
  for (const [name, value] of Object.entries(files)) {
    writeFileSync(join(dir, name), typeof value === 'string' ? value : JSON.stringify(value));
  }
  return dir;
}

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map((p) => `${p.path}: ${p.message}`);
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadDeployConfig (what `cdk synth` deploys)', () => {
  it('prefers burnwatch.config.json in the working directory', () => {
    const cwd = dirWith({
      'burnwatch.config.json': { ...example, organization: { name: 'Own Org' } },
      'burnwatch.config.example.json': example,
    });

    const loaded = loadDeployConfig({ cwd });

    expect(loaded.config.organization.name).toBe('Own Org');
    expect(loaded.usedExample).toBe(false);
  });

  it('falls back to the example on a fresh clone and says so', () => {
    const cwd = dirWith({ 'burnwatch.config.example.json': example });

    const fallback = loadDeployConfig({ cwd });

    expect(fallback.usedExample).toBe(true);
    expect(fallback.file).toBe(join(cwd, 'burnwatch.config.example.json'));
    expect(fallback.config.organization.name).toBe(example.organization.name);
  });

  it('rejects an explicitly named config file that does not exist instead of deploying the example', () => {
    const cwd = dirWith({ 'burnwatch.config.example.json': example });

    expect(problemsOf(() => loadDeployConfig({ cwd, path: 'prod.json' }))).toEqual([
      '(file): does not exist (context burnwatch:config)',
    ]);
  });

  it('reports schema problems by field', () => {
    const bad = { ...example, teams: [{ ...example.teams[0], annualBudgetUsd: -5 }] };
    const cwd = dirWith({ 'burnwatch.config.json': bad });

    expect(problemsOf(() => loadDeployConfig({ cwd }))).toContain(
      'teams[0].annualBudgetUsd: must be a positive number',
    );
  });

  it('requires a secret name for every scheduled source that calls a vendor API', () => {
    const sources = example.sources.map((s: Record<string, unknown>) =>
      s.id === 'openai' ? { ...s, secretName: undefined } : s,
    );
    const cwd = dirWith({ 'burnwatch.config.json': { ...example, sources } });

    const problems = problemsOf(() => loadDeployConfig({ cwd }));

    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^sources\[1\]\.secretName: is required to deploy: .*openai API key/);
  });

  it('does not require a secret for disabled sources or bedrock (IAM role)', () => {
    const sources = example.sources.map((s: Record<string, unknown>) =>
      s.id === 'openai' || s.id === 'bedrock'
        ? { ...s, secretName: undefined, enabled: s.id !== 'openai' }
        : s,
    );
    const cwd = dirWith({ 'burnwatch.config.json': { ...example, sources } });

    expect(loadDeployConfig({ cwd }).config.sources).toHaveLength(example.sources.length);
  });
});

describe('Lambda environment loaders', () => {
  const forecastEnv = {
    TABLE_NAME: 'burnwatch-table',
    TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:alerts',
    SLACK_BOT_TOKEN_SECRET: 'burnwatch/slack-bot-token',
    LAMBDA_TASK_ROOT: '/var/task',
  };

  it('resolves bundled files against the Lambda task root', () => {
    expect(loadForecastEnv(forecastEnv)).toEqual({
      tableName: 'burnwatch-table',
      topicArn: 'arn:aws:sns:eu-west-1:123456789012:alerts',
      slackBotTokenSecret: 'burnwatch/slack-bot-token',
      configFile: '/var/task/burnwatch.config.json',
      chartWasmFile: '/var/task/resvg.wasm',
      chartFontFile: '/var/task/DejaVuSans.ttf',
    });
  });

  it('names every missing or bad variable in one error', () => {
    const act = () => loadForecastEnv({ TOPIC_ARN: 'not-an-arn', SLACK_BOT_TOKEN_SECRET: '' });

    expect(act).toThrow(LambdaConfigError);
    expect(act).toThrow(/TABLE_NAME: is not set; it should hold the DynamoDB table name/);
    expect(act).toThrow(/TOPIC_ARN: must be an SNS topic ARN/);
    expect(act).toThrow(/SLACK_BOT_TOKEN_SECRET: is empty/);
  });

  it('asks the slash function for the signing secret name and ingest only for the table', () => {
    expect(() => loadSlashEnv({ TABLE_NAME: 't', SLACK_BOT_TOKEN_SECRET: 'b' })).toThrow(
      /SLACK_SIGNING_SECRET_SECRET: is not set/,
    );
    expect(loadIngestEnv({ TABLE_NAME: 't', BURNWATCH_CONFIG_FILE: '/opt/c.json' })).toEqual({
      tableName: 't',
      configFile: '/opt/c.json',
    });
  });

  it('tells an ingest function its one source, and names a bad BURNWATCH_SOURCE', () => {
    expect(
      loadIngestEnv({ TABLE_NAME: 't', BURNWATCH_CONFIG_FILE: '/c.json', BURNWATCH_SOURCE: 'openai' }),
    ).toEqual({
      tableName: 't',
      configFile: '/c.json',
      source: 'openai',
    });
    expect(() => loadIngestEnv({ TABLE_NAME: 't', BURNWATCH_SOURCE: 'Open AI' })).toThrow(
      /BURNWATCH_SOURCE: must be a source id from the config/,
    );
  });

  it('reads back the bundled config exactly as validated at synth time', () => {
    const config = exampleConfig();
    const dir = dirWith({ 'burnwatch.config.json': config });

    expect(loadBundledConfig(join(dir, 'burnwatch.config.json'))).toEqual(config);
  });

  it('turns a missing bundled config into an error naming BURNWATCH_CONFIG_FILE', () => {
    expect(() => loadBundledConfig('/nonexistent/burnwatch.config.json')).toThrow(
      /BURNWATCH_CONFIG_FILE: cannot read \/nonexistent\/burnwatch.config.json/,
    );
  });
});
