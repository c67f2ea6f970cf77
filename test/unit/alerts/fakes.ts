import { readFileSync } from 'node:fs';
import type { SlackMessage } from '../../../functions/core/alerts/block-kit.js';
import type { AlertPublisher, SlackPosted, SlackSender } from '../../../functions/core/alerts/delivery.js';
import { DeliveryError, type DeliveryErrorCode } from '../../../functions/core/alerts/delivery.js';
import type { SnsNotice } from '../../../functions/core/alerts/messages.js';
import { parseConfig } from '../../../functions/core/config/load.js';
import type { BurnwatchConfig, ConfigInput } from '../../../functions/core/config/schema.js';
import type { IsoDay } from '../../../functions/core/dates.js';
import { activePeopleOfLines } from '../../../functions/core/outcomes/active-people.js';
import { type PersonDay, personCostsFromLines } from '../../../functions/core/person-costs.js';
import {
  ConditionalWriteConflictError,
  type ReplaceResult,
  type SourceDayManifest,
  type Store,
  type TeamDaySourceTotal,
  type TeamRecordKind,
  type TeamRecordWrite,
  type Versioned,
} from '../../../functions/core/ports.js';
import type { UsageRecord } from '../../../functions/core/usage.js';

/** An in-memory Store with DynamoDB's versioned-write semantics, for fast unit tests of the alert job. */
export class MemoryStore implements Store {
  totals: TeamDaySourceTotal[] = [];
  lines: UsageRecord[] = [];
  manifests: SourceDayManifest[] = [];
  readonly states = new Map<string, { value: string; version: number }>();
  readonly snapshots = new Map<string, unknown>();
  readonly summaries = new Map<string, unknown>();
  stateWrites = 0;
  /** Throws on the n-th next putState (1 = the next one), to simulate a crash between send and record. */
  failPutStateAt = 0;

  async writeSourceDays(): Promise<ReplaceResult> {
    throw new Error('not used by alerts');
  }
  async replaceSourceDay(): Promise<ReplaceResult> {
    throw new Error('not used by alerts');
  }
  /** Summed from the lines: the definition the DynamoDB store's rollups are tested against. */
  async personMonthToDate(team: string, _month: string, _asOf: IsoDay, days: readonly PersonDay[]) {
    return personCostsFromLines((source, date) => this.teamLines(source, date, team))(days);
  }
  orgSummary: unknown;
  async putOrgSummary(summary: unknown) {
    this.orgSummary = JSON.parse(JSON.stringify(summary));
  }
  async getOrgSummary() {
    return this.orgSummary;
  }
  async teamDailyTotals(team: string, from: IsoDay, to: IsoDay) {
    return this.totals.filter((t) => t.team === team && t.date >= from && t.date <= to);
  }
  async teamLines(source: string, date: IsoDay, team: string) {
    return this.lines.filter((l) => l.source === source && l.date === date && l.team === team);
  }
  async activePeople(source: string, date: IsoDay, team: string) {
    return activePeopleOfLines(await this.teamLines(source, date, team));
  }
  async sourceDays(source: string, from: IsoDay, to: IsoDay) {
    return this.manifests.filter((m) => m.source === source && m.date >= from && m.date <= to);
  }
  async putForecastSnapshot(team: string, asOf: IsoDay, snapshot: unknown) {
    this.snapshots.set(`${team}|${asOf}`, JSON.parse(JSON.stringify(snapshot)));
  }
  async getForecastSnapshot(team: string, asOf: IsoDay) {
    return this.snapshots.get(`${team}|${asOf}`);
  }
  async latestForecastSnapshot(team: string, asOf?: IsoDay) {
    const keys = [...this.snapshots.keys()]
      .filter((k) => k.startsWith(`${team}|`) && (!asOf || k.slice(team.length + 1) <= asOf))
      .sort();
    const key = keys.at(-1);
    return key ? { asOf: key.slice(team.length + 1), snapshot: this.snapshots.get(key) } : undefined;
  }
  async putTeamSummary(team: string, summary: unknown) {
    this.summaries.set(team, summary);
  }
  async getTeamSummary(team: string) {
    return this.summaries.get(team);
  }
  async getTeamSummaries(teams: readonly string[]) {
    return new Map(teams.filter((t) => this.summaries.has(t)).map((t) => [t, this.summaries.get(t)]));
  }
  readonly records = new Map<string, unknown>();
  async putTeamRecord(team: string, kind: TeamRecordKind, id: string, record: unknown) {
    this.records.set(`${team}|${kind}|${id}`, JSON.parse(JSON.stringify(record)));
  }
  async putTeamRecords(records: readonly TeamRecordWrite[]) {
    for (const r of records) await this.putTeamRecord(r.team, r.kind, r.id, r.record);
  }
  async listTeamRecords(team: string, kind: TeamRecordKind) {
    return [...this.records]
      .filter(([k]) => k.startsWith(`${team}|${kind}|`))
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([, v]) => v);
  }
  async getState(scope: string, key: string): Promise<Versioned<unknown> | undefined> {
    const s = this.states.get(`${scope}|${key}`);
    return s ? { value: JSON.parse(s.value), version: s.version } : undefined;
  }
  async putState(scope: string, key: string, value: unknown, expectedVersion: number): Promise<number> {
    if (this.failPutStateAt > 0 && --this.failPutStateAt === 0)
      throw new Error('simulated crash: DynamoDB unreachable');
    const cur = this.states.get(`${scope}|${key}`)?.version ?? 0;
    if (cur !== expectedVersion) throw new ConditionalWriteConflictError(`${scope}/${key} is at ${cur}`);
    this.stateWrites++;
    this.states.set(`${scope}|${key}`, { value: JSON.stringify(value), version: cur + 1 });
    return cur + 1;
  }
  async listStates(scope: string, prefix: string) {
    return [...this.states]
      .filter(([k]) => k.startsWith(`${scope}|${prefix}`))
      .map(([k, v]) => ({ key: k.slice(scope.length + 1), value: JSON.parse(v.value), version: v.version }));
  }
}

export interface RecordedPost {
  readonly channel: string;
  readonly message: SlackMessage;
  readonly noticeId: string;
  readonly threadTs?: string;
  readonly broadcast?: boolean;
  readonly ts: string;
}

/** A SlackSender that records posts, can fail per channel, and answers the crash check from its record. */
export class RecordingSlack implements SlackSender {
  readonly posts: RecordedPost[] = [];
  readonly uploads: Array<{ channelId: string; threadTs: string; bytes: number }> = [];
  readonly failures = new Map<string, DeliveryErrorCode>();
  private seq = 0;

  async postMessage(
    channel: string,
    message: SlackMessage,
    meta: { noticeId: string; threadTs?: string; broadcast?: boolean },
  ): Promise<SlackPosted> {
    const code = this.failures.get(channel) ?? this.failures.get('*');
    if (code) throw new DeliveryError(code, `slack:${channel}`, 'simulated');
    const ts = `1700000000.${String(++this.seq).padStart(6, '0')}`;
    this.posts.push({
      channel,
      message,
      noticeId: meta.noticeId,
      ts,
      ...(meta.threadTs ? { threadTs: meta.threadTs, broadcast: meta.broadcast === true } : {}),
    });
    return { channelId: channelIdOf(channel), ts };
  }
  readonly updates: Array<{ channelId: string; ts: string; message: SlackMessage }> = [];
  async updateMessage(channelId: string, ts: string, message: SlackMessage) {
    const code = this.failures.get(channelId) ?? this.failures.get('*');
    if (code) throw new DeliveryError(code, `slack:${channelId}`, 'simulated');
    this.updates.push({ channelId, ts, message });
  }
  async findPosted(channelId: string, noticeId: string, _since?: Date, threadTs?: string) {
    const hit = this.posts.find(
      (p) =>
        channelIdOf(p.channel) === channelId &&
        p.noticeId === noticeId &&
        (threadTs ? p.threadTs === threadTs : !p.threadTs || p.broadcast === true),
    );
    return hit ? { channelId, ts: hit.ts } : undefined;
  }
  readonly groups = new Map<string, string[]>();
  async groupMembers(groupId: string) {
    const members = this.groups.get(groupId);
    if (!members) throw new DeliveryError('missing_scope', `slack-group:${groupId}`, 'simulated');
    return members;
  }
  async uploadImage(opts: { channelId: string; threadTs: string; png: Uint8Array }) {
    this.uploads.push({ channelId: opts.channelId, threadTs: opts.threadTs, bytes: opts.png.length });
  }
}

const channelIdOf = (channel: string) =>
  channel.startsWith('C') ? channel : `C${channel.replace(/[^a-z]/gi, '').toUpperCase()}`;

export class RecordingSns implements AlertPublisher {
  readonly published: Array<SnsNotice & { id: string }> = [];
  fail = false;
  async publish(notice: SnsNotice & { id: string }) {
    if (this.fail) throw new DeliveryError('sns_failed', 'sns', 'simulated');
    this.published.push(notice);
    return { messageId: `m-${this.published.length}` };
  }
}

/** A config with one team (Payments, $610k) and a finance channel; override what the test is about. */
export function aConfig(over: Partial<ConfigInput> = {}): BurnwatchConfig {
  return parseConfig({
    organization: { name: 'Acme' },
    fiscalYear: { startMonth: 1, startDay: 1 },
    teams: [{ id: 'payments', name: 'Payments', annualBudgetUsd: 610_000, slackChannel: 'C0PAYMENTS' }],
    finance: { slackChannel: 'C0FINANCE', digestWeekday: 'monday' },
    ...over,
  });
}

export { aTotal } from '../../helpers/builders.js';

/** A labelled scenario (test/fixtures/scenarios, a copy of ../shared/scenarios) as (date, usd) rows. */
export function scenarioDays(name: string): Array<{ date: IsoDay; usd: number }> {
  const url = new URL(`../../fixtures/scenarios/${name}.csv`, import.meta.url);
  return readFileSync(url, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => {
      const [date = '', usd = '0'] = line.split(',');
      return { date, usd: Number(usd) };
    });
}
