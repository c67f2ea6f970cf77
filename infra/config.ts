import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, type ConfigProblem, parseConfigText } from '../functions/core/config/load.js';
import type { BurnwatchConfig } from '../functions/core/config/schema.js';
import { SOURCE_TYPES_WITH_KEYS, scheduledSources } from './constructs/burnwatch-governance.js';

/** The config file the app deploys by default, and the example it falls back to on a fresh clone. */
export const CONFIG_FILE = 'burnwatch.config.json';
export const EXAMPLE_CONFIG_FILE = 'burnwatch.config.example.json';

/** A config loaded for deployment. */
export interface DeployConfig {
  readonly config: BurnwatchConfig;
  /** Absolute path of the file read. */
  readonly file: string;
  /** True when no `burnwatch.config.json` exists and the example was used instead. */
  readonly usedExample: boolean;
}

/**
 * Reads and validates the config to deploy: `path` if given (must exist), else `burnwatch.config.json`,
 * else `burnwatch.config.example.json` (so `cdk synth` works on a fresh clone). Besides the schema it
 * checks what deploying needs: every scheduled source that calls a vendor API names its secret.
 * Throws `ConfigError` listing every problem as `path: message`.
 */
export function loadDeployConfig(opts: { cwd: string; path?: string }): DeployConfig {
  let file = resolve(opts.cwd, opts.path ?? CONFIG_FILE);
  let usedExample = false;
  if (!existsSync(file)) {
    if (opts.path !== undefined) {
      throw new ConfigError(file, [{ path: '(file)', message: 'does not exist (context burnwatch:config)' }]);
    }
    file = resolve(opts.cwd, EXAMPLE_CONFIG_FILE);
    usedExample = true;
  }
  const config = parseConfigText(readFileSync(file, 'utf8'), file);
  const problems = deployProblems(config);
  if (problems.length > 0) throw new ConfigError(file, problems);
  return { config, file, usedExample };
}

/** What the schema allows but a deployment cannot work with. */
export function deployProblems(config: BurnwatchConfig): ConfigProblem[] {
  const scheduled = new Set(scheduledSources(config));
  return config.sources.flatMap((source, i) =>
    scheduled.has(source) && SOURCE_TYPES_WITH_KEYS.has(source.type) && !source.secretName
      ? [
          {
            path: `sources[${i}].secretName`,
            message: `is required to deploy: the ingest Lambda reads the ${source.type} API key from this Secrets Manager secret (e.g. "burnwatch/${source.id}")`,
          },
        ]
      : [],
  );
}
