import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { SNSClient } from '@aws-sdk/client-sns';
import * as z from 'zod';
import { createPngRenderer } from '../../adapters/chart-png/render-png.js';
import { createSlackNotifier } from '../../adapters/slack/slack-notifier.js';
import { SnsAlertPublisher } from '../../adapters/sns/sns-publisher.js';
import { isLinkButton } from '../../core/alerts/block-kit.js';
import { BLOCK_KIT_CSS, renderNoticesHtml } from '../../core/alerts/block-kit-html.js';
import type { SlackSender } from '../../core/alerts/delivery.js';
import { stripMrkdwn } from '../../core/alerts/messages.js';
import type { NoticeOutcome } from '../../core/alerts/run-alerts.js';
import type { BurnwatchConfig } from '../../core/config/schema.js';
import { runDailyJob } from '../../core/daily-job.js';
import { addDays, type IsoDay, utcDayOf } from '../../core/dates.js';
import { type Store, systemClock } from '../../core/ports.js';
import { engineForecaster, type TeamForecaster } from '../../core/team-reports.js';
import { COMMON_HELP, flag, parseFlags } from '../flags.js';
import type { CliIO, CommandModule } from '../io.js';
import { loadConfigFile, openStore } from '../runtime.js';

const flagsSchema = z.object({
  config: z.string().min(1).optional(),
  'as-of': flag.day.optional(),
  'dry-run': z.boolean().optional(),
  html: z.string().min(1, 'must name a file').optional(),
});

/** Preview mode never posts: it stands in for Slack so destinations are still listed. */
const previewSlack: SlackSender = {
  postMessage: () => Promise.reject(new Error('preview: nothing is posted')),
  updateMessage: () => Promise.reject(new Error('preview: nothing is edited')),
  findPosted: () => Promise.resolve(undefined),
  // Groups are listed as such in a preview rather than looked up.
  groupMembers: (groupId) => Promise.resolve([`group:${groupId}`]),
  uploadImage: () => Promise.reject(new Error('preview: nothing is uploaded')),
};

/**
 * The alerts that would go out as of `asOf`, rendered (Slack Block Kit, SNS text, chart PNG) but not
 * sent or recorded; the finance digest is always included. Uses the forecast engine unless another
 * forecaster is given. For `burnwatch demo`'s report and for runs without a Slack token.
 */
export async function previewAlerts(opts: {
  config: BurnwatchConfig;
  store: Store;
  asOf: IsoDay;
  now?: Date;
  forecaster?: TeamForecaster;
}): Promise<{ notices: readonly NoticeOutcome[]; html: string; problems: readonly string[] }> {
  const result = await runDailyJob(
    {
      config: opts.config,
      store: opts.store,
      clock: opts.now ? { now: () => opts.now ?? systemClock.now() } : systemClock,
      slack: previewSlack,
      renderPng: createPngRenderer(),
      dryRun: true,
      digest: 'always',
      forecaster: opts.forecaster ?? engineForecaster(opts.config),
    },
    opts.asOf,
  );
  const notices = result.alerts.notices;
  return { notices, html: renderNoticesHtml(notices), problems: result.alerts.problems };
}

/** A notice as terminal text: destinations, then the message without Block Kit markup. */
export function noticeText(n: NoticeOutcome, opts: { preview?: boolean } = {}): string {
  const to = n.deliveries.map((d) => (opts.preview ? d.target : `${d.target} [${d.status}]`)).join(', ');
  const lines = [`── ${n.kind.toUpperCase()} ${n.team}/${n.rule} → ${to || 'no destination'}`];
  for (const b of n.messages.channel.blocks) {
    if (b.type === 'header') lines.push(b.text.text);
    else if (b.type === 'section') {
      if (b.text) lines.push(stripMrkdwn(b.text.text));
      for (const f of b.fields ?? []) lines.push(`  ${stripMrkdwn(f.text).replace('\n', ': ')}`);
    } else if (b.type === 'actions')
      lines.push(
        `  ${b.elements.map((e) => (isLinkButton(e) ? `${e.text.text}: ${e.url}` : `[${e.text.text}]`)).join('\n  ')}`,
      );
    else if (b.type === 'context') lines.push(b.elements.map((e) => stripMrkdwn(e.text)).join(' '));
  }
  if (n.chartPng) lines.push(`  (+ burn-up chart PNG, ${Math.round(n.chartPng.length / 1024)} KB)`);
  return lines.join('\n');
}

function writeHtml(io: CliIO, file: string, title: string, body: string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(
    file,
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title><style>body{margin:24px;background:#f8f8f8}${BLOCK_KIT_CSS}</style></head><body><h1 style="font:600 20px sans-serif">${title}</h1>${body}</body></html>`,
  );
  io.out(`Preview: ${file}`);
}

export const alertsCommand: CommandModule = {
  summary: 'Evaluate alert rules, post new/escalated/recovered alerts to Slack and SNS, the weekly digest',
  usage: [
    'burnwatch alerts [--config FILE] [--as-of YYYY-MM-DD] [--dry-run] [--html FILE]',
    '',
    'Slack: SLACK_BOT_TOKEN (xoxb-…), SLACK_API_URL (optional, a proxy or test server).',
    'SNS: BURNWATCH_SNS_TOPIC_ARN (optional; uses the usual AWS credentials).',
    'Without SLACK_BOT_TOKEN, or with --dry-run, alerts are printed and rendered to HTML',
    '(default burnwatch-report/alerts.html) and no alert state is written.',
    'Exit code 3 when a delivery failed (it is retried on the next run).',
  ].join('\n'),
  help: [
    COMMON_HELP.config,
    COMMON_HELP.asOf,
    {
      flag: '--dry-run',
      meaning: 'show what would go out; send and record nothing',
      default: 'send when SLACK_BOT_TOKEN is set',
    },
    { flag: '--html FILE', meaning: 'where the preview is written', default: 'burnwatch-report/alerts.html' },
  ],
  async run(argv, io) {
    const { flags } = parseFlags(
      argv,
      {
        config: { type: 'string' },
        'as-of': { type: 'string' },
        'dry-run': { type: 'boolean' },
        html: { type: 'string' },
      },
      flagsSchema,
    );
    const { config } = loadConfigFile(io, flags.config);
    const asOf = flags['as-of'] ?? addDays(utcDayOf(systemClock.now()), -1);
    const token = io.env.SLACK_BOT_TOKEN;
    const topicArn = io.env.BURNWATCH_SNS_TOPIC_ARN;
    const preview = flags['dry-run'] || !token;
    const htmlFile = resolve(io.cwd, flags.html ?? 'burnwatch-report/alerts.html');
    const opened = await openStore(io);
    try {
      if (preview) {
        io.err(
          flags['dry-run']
            ? 'Dry run: nothing is sent and no alert state is written.'
            : 'No SLACK_BOT_TOKEN: showing the alerts as they would look; nothing is sent or recorded.',
        );
        const { notices, html, problems } = await previewAlerts({ config, store: opened.store, asOf });
        for (const n of notices) io.out(`${noticeText(n, { preview: true })}\n`);
        for (const p of problems) io.err(`! ${p}`);
        io.out(`${notices.length} alert message(s) as of ${asOf}.`);
        writeHtml(io, htmlFile, `burnwatch alerts as of ${asOf}`, html);
        return 0;
      }
      const result = await runDailyJob(
        {
          config,
          store: opened.store,
          clock: systemClock,
          slack: createSlackNotifier(token, { slackApiUrl: io.env.SLACK_API_URL }),
          ...(topicArn ? { sns: new SnsAlertPublisher(new SNSClient({}), topicArn) } : {}),
          renderPng: createPngRenderer(),
          forecaster: engineForecaster(config),
        },
        asOf,
      );
      const notices = result.alerts.notices;
      for (const n of notices) io.out(`${noticeText(n)}\n`);
      for (const p of result.alerts.problems) io.err(`! ${p}`);
      const failed = notices.flatMap((n) => n.deliveries.filter((d) => d.status !== 'sent'));
      io.out(
        `${notices.length} notice(s) as of ${asOf}; ${failed.length} delivery(ies) not confirmed (retried on the next run).`,
      );
      return failed.length ? 3 : 0;
    } finally {
      await opened.close();
    }
  },
};
