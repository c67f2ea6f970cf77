import type { CommandModule } from '../io.js';

/** Every CLI command, loaded lazily so `burnwatch burn` does not pay for the demo's imports. */
export const commands: Record<string, () => Promise<CommandModule>> = {
  demo: async () => (await import('./demo.js')).demoCommand,
  ingest: async () => (await import('./ingest.js')).ingestCommand,
  forecast: async () => (await import('./forecast.js')).forecastCommand,
  'forecast-series': async () => (await import('./forecast-series.js')).forecastSeriesCommand,
  alerts: async () => (await import('./alerts.js')).alertsCommand,
  export: async () => (await import('./export.js')).exportCommand,
  burn: async () => (await import('./burn.js')).burnCommand,
  report: async () => (await import('./report.js')).reportCommand,
  budget: async () => (await import('./budget.js')).budgetCommand,
  plan: async () => (await import('./plan.js')).planCommand,
  'validate-config': async () => (await import('./validate-config.js')).validateConfigCommand,
  'config-schema': async () => (await import('./config-schema.js')).configSchemaCommand,
  'serve-slack': async () => (await import('./serve-slack.js')).serveSlackCommand,
};
