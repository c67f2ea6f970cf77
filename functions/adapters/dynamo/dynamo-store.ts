import { createHash, randomBytes } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import type { IsoDay } from '../../core/dates.js';
import { activePeopleOfLines, type PersonIds } from '../../core/outcomes/active-people.js';
import type { PersonCost, PersonDay } from '../../core/person-costs.js';
import {
  ConditionalWriteConflictError,
  type ReplaceResult,
  type SourceDayManifest,
  type SourceDayStream,
  type SourceDayWrite,
  type Store,
  type TeamDaySourceTotal,
  type TeamRecordKind,
  type TeamRecordWrite,
  type Versioned,
} from '../../core/ports.js';
import type { UsageRecord } from '../../core/usage.js';
import { keys } from './keys.js';
import { PersonRollups } from './person-rollups.js';
import { batchGetAll, queryAll } from './reads.js';
import { SourceDayWriter, type SourceDayWriterOptions } from './source-day-writer.js';
import { TTL_ATTRIBUTE } from './table.js';
import {
  activePeopleItem,
  decodePersonIds,
  LEGACY_GENERATION,
  lineItem,
  manifestItem,
  sourceDayKey,
  teamDayItem,
} from './usage-items.js';

const count = z.union([z.bigint(), z.number()]).transform(Number);

const stateItem = z.object({ sk: z.string(), value: z.string(), version: count });
const docItem = z.object({ sk: z.string(), doc: z.string() });
const orgSummaryItem = z.object({ doc: z.string(), digest: z.string().optional() });

/** A short digest of a stored document's text: equal digests, equal texts. */
const digestOf = (text: string) => createHash('sha256').update(text).digest('base64url');

/** Documents are stored as JSON text: their owners validate them, and bigints are written as strings. */
const toJson = (value: unknown) =>
  JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));

/** DocumentClient that reads every integer as bigint, so money round-trips exactly. */
export function createDocumentClient(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true },
    unmarshallOptions: { wrapNumbers: (v: string) => (/^-?\d+$/.test(v) ? BigInt(v) : Number(v)) },
  });
}

export interface DynamoStoreOptions extends SourceDayWriterOptions {
  readonly tableName: string;
}

const teamSummaryItem = z.object({ pk: z.string(), doc: z.string() });

/** The single-table DynamoDB implementation of every store port. */
export class DynamoStore implements Store {
  private readonly table: string;
  private readonly writer: SourceDayWriter;
  private readonly rollups: PersonRollups;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    options: DynamoStoreOptions,
  ) {
    this.table = options.tableName;
    this.writer = new SourceDayWriter(doc, options.tableName, options);
    this.rollups = new PersonRollups(doc, options.tableName);
  }

  writeSourceDays(source: string, days: readonly SourceDayWrite[]): Promise<ReplaceResult> {
    return this.writer.write(source, days);
  }

  replaceSourceDay(source: string, day: SourceDayStream): Promise<ReplaceResult> {
    return this.writer.writeStream(source, day);
  }

  personMonthToDate(
    team: string,
    month: string,
    asOf: IsoDay,
    days: readonly PersonDay[],
    manifests?: readonly SourceDayManifest[],
  ): Promise<PersonCost[]> {
    return this.rollups.monthToDate(
      team,
      month,
      asOf,
      days,
      (source, date) => this.teamLines(source, date, team),
      manifests,
    );
  }

  private batchGetAll(keyList: ReadonlyArray<Record<string, string>>): Promise<Record<string, unknown>[]> {
    return batchGetAll(this.doc, this.table, keyList);
  }

  private queryAll(input: Omit<QueryCommandInput, 'TableName'>): Promise<Record<string, unknown>[]> {
    return queryAll(this.doc, this.table, input);
  }

  async teamDailyTotals(
    team: string,
    from: IsoDay,
    to: IsoDay,
    manifests?: readonly SourceDayManifest[],
  ): Promise<TeamDaySourceTotal[]> {
    let known = manifests;
    for (let attempt = 1; ; attempt++) {
      const read = await this.readTeamDays(team, from, to, known);
      if (read.torn.size === 0) return read.totals;
      // A replacement committed (and perhaps cleaned up) between the two reads: read again, with
      // fresh manifests for the sources it touched.
      if (attempt >= 5)
        throw new Error(
          `${team}: usage of ${[...read.torn].join(', ')} kept changing while it was read; retry`,
        );
      known = (known ?? []).filter((m) => !read.torn.has(m.source));
    }
  }

  /**
   * A team's day totals of the generation each day's manifest names: a write under way, or one a
   * crash abandoned, is invisible, and so are rows its commit replaced but has not yet deleted.
   * `torn` lists sources whose manifest names a generation of this team that the item read did not
   * see (a commit happened between the reads).
   */
  private async readTeamDays(
    team: string,
    from: IsoDay,
    to: IsoDay,
    manifests: readonly SourceDayManifest[] | undefined,
  ): Promise<{ totals: TeamDaySourceTotal[]; torn: Set<string> }> {
    const [lo, hi] = keys.teamDayRange(from, to);
    const items = (
      await this.queryAll({
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :lo AND :hi',
        ExpressionAttributeValues: { ':pk': keys.teamPk(team), ':lo': lo, ':hi': hi },
        ConsistentRead: true,
      })
    ).map((i) => teamDayItem.parse(i));
    const current = new Map<string, SourceDayManifest>();
    const given = new Set<string>();
    for (const m of manifests ?? []) {
      current.set(sourceDayKey(m.source, m.date), m);
      given.add(m.source);
    }
    for (const source of new Set(items.map((t) => t.source))) {
      if (given.has(source)) continue;
      for (const m of await this.sourceDays(source, from, to)) current.set(sourceDayKey(m.source, m.date), m);
    }
    const totals = items.filter(
      (t) => current.get(sourceDayKey(t.source, t.date))?.generation === t.generation,
    );
    const seen = new Set(totals.map((t) => sourceDayKey(t.source, t.date)));
    const torn = new Set<string>();
    for (const m of current.values())
      if (m.generation !== null && m.teams.includes(team) && m.date >= from && m.date <= to)
        if (!seen.has(sourceDayKey(m.source, m.date))) torn.add(m.source);
    return {
      totals: totals.map(({ generation: _g, ...t }) => ({
        ...t,
        tokens: {
          input: t.tokens.input ?? 0,
          output: t.tokens.output ?? 0,
          cacheRead: t.tokens.cacheRead ?? 0,
          cacheWrite: t.tokens.cacheWrite ?? 0,
        },
      })),
      torn,
    };
  }

  async teamLines(
    source: string,
    date: IsoDay,
    team: string,
    known?: SourceDayManifest,
  ): Promise<UsageRecord[]> {
    let previous: string | undefined;
    for (let attempt = 1; ; attempt++) {
      // The caller's manifest saves a read on the first attempt; a retry reads the current one.
      const manifest =
        attempt === 1 && known?.source === source && known.date === date
          ? known
          : await this.manifestOf(source, date);
      if (!manifest || manifest.generation === null) return [];
      const pk = keys.linesPk(source, date, team);
      const items = await this.queryAll(
        manifest.generation === LEGACY_GENERATION
          ? {
              KeyConditionExpression: 'pk = :pk',
              FilterExpression: 'attribute_not_exists(generation)',
              ExpressionAttributeValues: { ':pk': pk },
              ConsistentRead: true,
            }
          : {
              KeyConditionExpression: 'pk = :pk AND begins_with(sk, :g)',
              ExpressionAttributeValues: { ':pk': pk, ':g': `${manifest.generation}#` },
              ConsistentRead: true,
            },
      );
      // Every team a manifest lists has lines when committed: none means a newer commit cleaned them
      // up meanwhile, unless the commit is still the same one: then DynamoDB's TTL removed them (the
      // team's lines were all per-person and past retention.personDetailMonths; its total stays).
      if (items.length > 0 || !manifest.teams.includes(team) || manifest.generation === previous)
        return items.map((i) => lineItem.parse(i));
      previous = manifest.generation;
      if (attempt >= 5) throw new Error(`${source} ${date}: lines kept changing while they were read; retry`);
    }
  }

  async activePeople(
    source: string,
    date: IsoDay,
    team: string,
    known?: SourceDayManifest,
  ): Promise<readonly PersonIds[]> {
    const manifest =
      known?.source === source && known.date === date ? known : await this.manifestOf(source, date);
    if (!manifest || manifest.generation === null) return [];
    if (manifest.generation !== LEGACY_GENERATION) {
      // The digest's list (one item per 2,000 people) instead of every line of the team-day.
      const digests = (
        await this.queryAll({
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
          ExpressionAttributeValues: {
            ':pk': keys.teamPk(team),
            ':p': keys.peopleDayPrefix(date, source, manifest.generation),
          },
          ProjectionExpression: 'active',
          ConsistentRead: true,
        })
      ).map((i) => activePeopleItem.parse(i).active);
      // None: no email on the day's lines (a login-only source), a digest from before the list was
      // kept, or a newer commit swept this generation meanwhile; the lines answer each case.
      if (digests.length > 0 && digests.every((a) => a !== undefined))
        return digests.flatMap((a) => (a ?? []).map(decodePersonIds));
    }
    return activePeopleOfLines(await this.teamLines(source, date, team, manifest));
  }

  private async manifestOf(source: string, date: IsoDay): Promise<SourceDayManifest | undefined> {
    const out = await this.doc.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk: keys.sourcePk(source), sk: keys.sourceDaySk(date) },
        ConsistentRead: true,
      }),
    );
    return out.Item ? manifestItem.parse(out.Item).manifest : undefined;
  }

  async sourceDays(source: string, from: IsoDay, to: IsoDay): Promise<SourceDayManifest[]> {
    const items = await this.queryAll({
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :lo AND :hi',
      ExpressionAttributeValues: {
        ':pk': keys.sourcePk(source),
        ':lo': keys.sourceDaySk(from),
        ':hi': keys.sourceDaySk(to),
      },
      // Ingest decides what to write from these (which days are due; a failure's coverage right after
      // its own commits): a replica that has not seen the last commit would mark a committed day failed.
      ConsistentRead: true,
    });
    return items.map((i) => manifestItem.parse(i).manifest);
  }

  async putForecastSnapshot(team: string, asOf: IsoDay, snapshot: unknown): Promise<void> {
    await this.putDoc(keys.teamPk(team), keys.forecastSk(asOf), 'forecast', snapshot);
  }

  async getForecastSnapshot(team: string, asOf: IsoDay): Promise<unknown | undefined> {
    return this.getDoc(keys.teamPk(team), keys.forecastSk(asOf));
  }

  async latestForecastSnapshot(
    team: string,
    asOf?: IsoDay,
  ): Promise<{ asOf: IsoDay; snapshot: unknown } | undefined> {
    const out = await this.doc.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :lo AND :hi',
        ExpressionAttributeValues: {
          ':pk': keys.teamPk(team),
          ':lo': keys.forecastSk(''),
          ':hi': asOf ? keys.forecastSk(asOf) : keys.forecastSk('\uffff'),
        },
        ScanIndexForward: false,
        Limit: 1,
      }),
    );
    const item = out.Items?.[0];
    if (!item) return undefined;
    const d = docItem.parse(item);
    return { asOf: d.sk.slice('FORECAST#'.length), snapshot: JSON.parse(d.doc) };
  }

  async putTeamSummary(team: string, summary: unknown): Promise<void> {
    await this.putDoc(keys.teamPk(team), keys.summarySk(), 'summary', summary);
  }

  async getTeamSummary(team: string): Promise<unknown | undefined> {
    return this.getDoc(keys.teamPk(team), keys.summarySk());
  }

  /**
   * Read on every call; a team's summary whose stored text is the one read last comes back as the
   * same parsed object (as `getOrgSummary`), so `/burn` parses and checks it once per version, not
   * once per request (issue 14: per-request CPU is what queues 50 concurrent askers).
   */
  async getTeamSummaries(teams: readonly string[]): Promise<Map<string, unknown>> {
    const items = await this.batchGetAll(teams.map((t) => ({ pk: keys.teamPk(t), sk: keys.summarySk() })));
    const result = new Map<string, unknown>();
    for (const item of items) {
      const parsed = teamSummaryItem.parse(item);
      const team = parsed.pk.slice('TEAM#'.length);
      let last = this.lastTeamSummaries.get(team);
      if (last?.text !== parsed.doc) {
        last = { text: parsed.doc, doc: JSON.parse(parsed.doc) };
        this.lastTeamSummaries.set(team, last);
      }
      result.set(team, last.doc);
    }
    return result;
  }
  /** One entry per team read (the teams of the config): bounded by the org, not by requests. */
  private readonly lastTeamSummaries = new Map<string, { readonly text: string; readonly doc: unknown }>();

  /** Stored with a digest of its text, so a reader holding that version can ask for the digest alone. */
  async putOrgSummary(summary: unknown): Promise<void> {
    const doc = toJson(summary);
    await this.doc.send(
      new PutCommand({
        TableName: this.table,
        Item: { pk: keys.orgPk(), sk: keys.summarySk(), type: 'orgSummary', doc, digest: digestOf(doc) },
      }),
    );
  }

  /**
   * Read on every call, never staler than the store. A reader that holds a version asks for its
   * digest only (the whole org's lines are tens of kB a read that `/burn all` would parse on every
   * request: bench:slash) and gets the same parsed object back while it matches, so the slash
   * command's check and rendering of it run once per version; otherwise the whole item is read.
   */
  async getOrgSummary(): Promise<unknown | undefined> {
    const Key = { pk: keys.orgPk(), sk: keys.summarySk() };
    const held = this.lastOrgSummary;
    if (held?.digest) {
      const probe = await this.doc.send(
        new GetCommand({
          TableName: this.table,
          Key,
          // The key too, so an item that exists without a digest (an older writer) still reads as there.
          ProjectionExpression: 'pk, #digest',
          ExpressionAttributeNames: { '#digest': 'digest' },
        }),
      );
      if (!probe.Item) return undefined;
      if (probe.Item.digest === held.digest) return held.doc;
    }
    const out = await this.doc.send(new GetCommand({ TableName: this.table, Key }));
    if (!out.Item) return undefined;
    const item = orgSummaryItem.parse(out.Item);
    const doc: unknown = held?.text === item.doc ? held.doc : JSON.parse(item.doc);
    // An item written before digests were stored is read whole every time, as before.
    this.lastOrgSummary = { text: item.doc, doc, digest: item.digest };
    return doc;
  }
  private lastOrgSummary:
    | { readonly text: string; readonly doc: unknown; readonly digest: string | undefined }
    | undefined;

  async putTeamRecord(team: string, kind: TeamRecordKind, id: string, record: unknown): Promise<void> {
    await this.putDoc(keys.teamPk(team), keys.teamRecordSk(kind, id), kind, record);
  }

  async putTeamRecords(records: readonly TeamRecordWrite[]): Promise<void> {
    if (records.length === 0) return;
    // One transaction: a move whose second side failed would take budget from one team and give it
    // to nobody. The token (of what is written) makes a retry of the same write a no-op for DynamoDB's
    // ten minutes, and a different write never shares it.
    const token = createHash('sha256')
      .update(JSON.stringify(records.map((r) => [r.team, r.kind, r.id, toJson(r.record)])))
      .digest('hex')
      .slice(0, 36);
    await this.doc.send(
      new TransactWriteCommand({
        ClientRequestToken: token,
        TransactItems: records.map((r) => ({
          Put: {
            TableName: this.table,
            Item: {
              pk: keys.teamPk(r.team),
              sk: keys.teamRecordSk(r.kind, r.id),
              type: r.kind,
              doc: toJson(r.record),
            },
          },
        })),
      }),
    );
  }

  async listTeamRecords(team: string, kind: TeamRecordKind): Promise<unknown[]> {
    const items = await this.queryAll({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
      ExpressionAttributeValues: { ':pk': keys.teamPk(team), ':p': keys.teamRecordSk(kind, '') },
    });
    return items.map((i) => JSON.parse(docItem.parse(i).doc));
  }

  private async putDoc(pk: string, sk: string, type: string, value: unknown): Promise<void> {
    await this.doc.send(
      new PutCommand({ TableName: this.table, Item: { pk, sk, type, doc: toJson(value) } }),
    );
  }

  private async getDoc(pk: string, sk: string): Promise<unknown | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.table, Key: { pk, sk } }));
    return out.Item ? JSON.parse(docItem.parse(out.Item).doc) : undefined;
  }

  async getState(scope: string, key: string): Promise<Versioned<unknown> | undefined> {
    const out = await this.doc.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk: keys.statePk(scope), sk: keys.stateSk(key) },
        // Its version is what the caller's compare-and-set expects, often just after someone else's
        // write (the re-read after a conflict): a replica behind that write would conflict again.
        ConsistentRead: true,
      }),
    );
    if (!out.Item) return undefined;
    const s = stateItem.parse(out.Item);
    return { value: JSON.parse(s.value), version: s.version };
  }

  async putState(
    scope: string,
    key: string,
    value: unknown,
    expectedVersion: number,
    opts: { readonly expiresAt?: number } = {},
  ): Promise<number> {
    const version = expectedVersion + 1;
    const Key = { pk: keys.statePk(scope), sk: keys.stateSk(key) };
    // Marks this write, so the SDK's retry of it (its answer lost) is known as the caller's own when
    // its condition then fails, not reported as someone else's write.
    const writeToken = randomBytes(8).toString('hex');
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            ...Key,
            type: 'state',
            value: toJson(value),
            version,
            writeToken,
            ...(opts.expiresAt ? { [TTL_ATTRIBUTE]: opts.expiresAt } : {}),
          },
          ...(expectedVersion === 0
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : { ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': expectedVersion } }),
        }),
      );
    } catch (err) {
      if (err instanceof Error && err.name === 'ConditionalCheckFailedException') {
        const now = await this.doc.send(new GetCommand({ TableName: this.table, Key, ConsistentRead: true }));
        if (now.Item?.writeToken === writeToken && Number(now.Item?.version) === version) return version;
        throw new ConditionalWriteConflictError(
          `state ${scope}/${key} changed since version ${expectedVersion}`,
          {
            cause: err,
          },
        );
      }
      throw err;
    }
    return version;
  }

  async listStates(scope: string, prefix: string): Promise<Array<{ key: string } & Versioned<unknown>>> {
    const items = await this.queryAll({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
      ExpressionAttributeValues: { ':pk': keys.statePk(scope), ':p': prefix },
      // As getState: callers list right after their own write (the seat history stores today's list,
      // then picks each day's from the headers), and a replica behind it would leave that write out.
      ConsistentRead: true,
    });
    return items.map((i) => {
      const s = stateItem.parse(i);
      return { key: s.sk, value: JSON.parse(s.value), version: s.version };
    });
  }
}
