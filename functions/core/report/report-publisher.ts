import type { BurnwatchConfig } from '../config/schema.js';
import type { IsoDay } from '../dates.js';
import type { StateStore, UsageStore } from '../ports.js';
import type { OrgBurns } from '../team-reports.js';
import { reportInput } from './report-data.js';
import { renderReportHtml } from './report-html.js';

/**
 * Where the daily HTML report is published (port; the stack's adapter writes the data bucket's
 * `reports/` prefix). `publish` keeps one report per day and a `latest`; `link` is a URL that opens
 * the day's report without AWS credentials, for `expiresInSeconds` at most.
 */
export interface ReportPublisher {
  publish(asOf: IsoDay, html: string): Promise<{ location: string }>;
  link(asOf: IsoDay, expiresInSeconds: number): Promise<string>;
}

/** A published report: where it is and the link the digest carries. */
export interface PublishedReport {
  readonly location: string;
  readonly url: string;
  readonly expiresHours: number;
}

/**
 * Renders the report from what the daily job just computed and publishes it. A failure is the
 * caller's to report: the alerts go out regardless, the digest without its link.
 */
export async function publishDailyReport(opts: {
  readonly config: BurnwatchConfig;
  readonly store: UsageStore & StateStore;
  readonly org: OrgBurns;
  readonly publisher: ReportPublisher;
  readonly now: Date;
}): Promise<PublishedReport> {
  const html = renderReportHtml(
    await reportInput({
      config: opts.config,
      store: opts.store,
      org: opts.org,
      generatedAt: opts.now.toISOString(),
    }),
  );
  const { location } = await opts.publisher.publish(opts.org.asOf, html);
  const expiresHours = opts.config.finance.reportLinkExpiryHours;
  const url = await opts.publisher.link(opts.org.asOf, expiresHours * 3600);
  return { location, url, expiresHours };
}
