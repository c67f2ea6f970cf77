import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import type { IsoDay } from '../../core/dates.js';
import {
  ConditionalWriteConflictError,
  type ReplaceResult,
  type SourceDayManifest,
  type Store,
  type TeamDaySourceTotal,
  type Versioned,
} from '../../core/ports.js';
import { lineKey, type UsageRecord, VENDORS } from '../../core/usage.js';
import { type BatchWriteOptions, batchWriteAll, type WriteRequest } from './batch-writer.js';
import { keys } from './keys.js';

/** Integers come back as bigint (see `createDocumentClient`); counts are narrowed to number here. */
const micros = z.bigint();
const count = z.union([z.bigint(), z.number()]).transform(Number);
const tokensSchema = z
  .object({
    input: count.optional(),
    output: count.optional(),
    cacheRead: count.optional(),
    cacheWrite: count.optional(),
  })
  .partial();

const teamDayItem = z.object({
  team: z.string(),
  date: z.string(),
  source: z.string(),
  vendor: z.enum(VENDORS),
  costMicros: micros,
  byModel: z.record(z.string(), micros),
  tokens: tokensSchema,
  outcomes: z.record(z.string(), count).default({}),
  activeUsers: count.default(0),
  lines: count,
  provisional: z.boolean(),
});

const lineItem = z.object({
  date: z.string(),
  source: z.string(),
  team: z.string(),
  vendor: z.enum(VENDORS),
  identities: z.record(z.string(), z.string()),
  lineItem: z.string(),
  model: z.string().optional(),
  costMicros: micros,
  tokens: tokensSchema.optional(),
  outcomes: z.record(z.string(), count).optional(),
  provisional: z.boolean(),
  billable: z.boolean(),
});

const manifestItem = z.object({
  source: z.string(),
  date: z.string(),
  teams: z.array(z.string()),
  records: count,
  costMicros: micros,
  provisional: z.boolean(),
  fetchedAt: z.string(),
});

const stateItem = z.object({ sk: z.string(), value: z.string(), version: count });
const docItem = z.object({ sk: z.string(), doc: z.string() });

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

export interface DynamoStoreOptions {
  readonly tableName: string;
  readonly batch?: BatchWriteOptions;
  /** Stamped on manifests; injectable for tests. */
  readonly now?: () => Date;
}

/** The single-table DynamoDB implementation of every store port. */
export class DynamoStore implements Store {
  private readonly table: string;
  private readonly now: () => Date;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly options: DynamoStoreOptions,
  ) {
    this.table = options.tableName;
    this.now = options.now ?? (() => new Date());
  }

  async replaceSourceDays(
    source: string,
    days: readonly IsoDay[],
    records: readonly UsageRecord[],
  ): Promise<ReplaceResult> {
    const daySet = new Set(days);
    const byDay = new Map<IsoDay, UsageRecord[]>();
    for (const day of days) byDay.set(day, []);
    for (const r of records) {
      if (r.source !== source)
        throw new Error(`record for source "${r.source}" passed to replace "${source}"`);
      const list = byDay.get(r.date);
      if (!list || !daySet.has(r.date))
        throw new Error(`record dated ${r.date} is outside the days being replaced`);
      list.push(r);
    }
    const fetchedAt = this.now().toISOString();
    const writes: WriteRequest[] = [];
    const manifests: WriteRequest[] = [];
    let deleted = 0;

    const previousManifests = await this.getManifests(source, [...byDay.keys()]);
    for (const [date, dayRecords] of byDay) {
      const previous = previousManifests.get(date);
      const byTeam = groupBy(dayRecords, (r) => r.team);
      // Lines of teams that had data before: delete the keys not written again (a line that vanished
      // in a revision must not keep counting).
      const staleTeams = new Set(previous?.teams ?? []);
      for (const [team, lines] of byTeam) {
        const newKeys = new Set<string>();
        for (const line of lines) {
          const sk = lineKey(line);
          if (newKeys.has(sk)) throw new Error(`duplicate line ${sk} for ${source} ${date} ${team}`);
          newKeys.add(sk);
          writes.push({ PutRequest: { Item: this.lineToItem(line, sk, fetchedAt) } });
        }
        if (staleTeams.delete(team)) {
          for (const oldSk of await this.lineKeys(source, date, team)) {
            if (!newKeys.has(oldSk)) {
              writes.push({ DeleteRequest: { Key: { pk: keys.linesPk(source, date, team), sk: oldSk } } });
              deleted++;
            }
          }
        }
        writes.push({ PutRequest: { Item: this.aggregate(source, date, team, lines) } });
      }
      for (const team of staleTeams) {
        for (const oldSk of await this.lineKeys(source, date, team)) {
          writes.push({ DeleteRequest: { Key: { pk: keys.linesPk(source, date, team), sk: oldSk } } });
          deleted++;
        }
        writes.push({ DeleteRequest: { Key: { pk: keys.teamPk(team), sk: keys.teamDaySk(date, source) } } });
        deleted++;
      }
      const manifest: SourceDayManifest = {
        source,
        date,
        teams: [...byTeam.keys()].sort(),
        records: dayRecords.length,
        costMicros: dayRecords.reduce((s, r) => s + (r.billable === false ? 0n : r.costMicros), 0n),
        provisional: dayRecords.some((r) => r.provisional),
        fetchedAt,
      };
      manifests.push({
        PutRequest: {
          Item: { pk: keys.sourcePk(source), sk: keys.sourceDaySk(date), type: 'sourceDay', ...manifest },
        },
      });
    }
    // Manifests go last: a run that dies midway leaves the old manifest, and the re-run replaces again.
    await batchWriteAll(this.doc, this.table, writes, this.options.batch);
    await batchWriteAll(this.doc, this.table, manifests, this.options.batch);
    return { days: byDay.size, written: writes.length - deleted, deleted };
  }

  private lineToItem(line: UsageRecord, sk: string, fetchedAt: string): Record<string, unknown> {
    return {
      pk: keys.linesPk(line.source, line.date, line.team),
      sk,
      type: 'line',
      date: line.date,
      source: line.source,
      team: line.team,
      vendor: line.vendor,
      identities: line.identities,
      lineItem: line.lineItem,
      model: line.model,
      costMicros: line.costMicros,
      tokens: line.tokens,
      outcomes: line.outcomes,
      provisional: line.provisional,
      billable: line.billable !== false,
      fetchedAt,
    };
  }

  private aggregate(
    source: string,
    date: IsoDay,
    team: string,
    lines: UsageRecord[],
  ): Record<string, unknown> {
    let cost = 0n;
    const byModel: Record<string, bigint> = {};
    const tokens = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };
    const outcomes: Record<string, number> = {};
    const users = new Set<string>();
    for (const l of lines) {
      if (l.identities.userEmail) users.add(l.identities.userEmail.toLowerCase());
      for (const [k, v] of Object.entries(l.outcomes ?? {})) outcomes[k] = (outcomes[k] ?? 0) + (v ?? 0);
      tokens.input += l.tokens?.input ?? 0;
      tokens.output += l.tokens?.output ?? 0;
      tokens.cacheRead += l.tokens?.cacheRead ?? 0;
      tokens.cacheWrite += l.tokens?.cacheWrite ?? 0;
      if (l.billable === false) continue;
      cost += l.costMicros;
      const model = l.model ?? l.lineItem;
      byModel[model] = (byModel[model] ?? 0n) + l.costMicros;
    }
    const vendor = lines[0]?.vendor ?? 'other';
    return {
      pk: keys.teamPk(team),
      sk: keys.teamDaySk(date, source),
      type: 'teamDay',
      team,
      date,
      source,
      vendor,
      costMicros: cost,
      byModel,
      tokens,
      outcomes,
      activeUsers: users.size,
      lines: lines.length,
      provisional: lines.some((l) => l.provisional),
    };
  }

  /** Existing manifests for the days, 100 keys per BatchGetItem (a backfill touches a whole year). */
  private async getManifests(
    source: string,
    dates: readonly IsoDay[],
  ): Promise<Map<IsoDay, SourceDayManifest>> {
    const items = await this.batchGetAll(
      dates.map((d) => ({ pk: keys.sourcePk(source), sk: keys.sourceDaySk(d) })),
    );
    return new Map(items.map((i) => manifestItem.parse(i)).map((m) => [m.date, m]));
  }

  /** BatchGetItem in chunks of 100, re-requesting unprocessed keys; missing items are simply absent. */
  private async batchGetAll(
    keyList: ReadonlyArray<Record<string, string>>,
  ): Promise<Record<string, unknown>[]> {
    const found: Record<string, unknown>[] = [];
    for (let i = 0; i < keyList.length; i += 100) {
      let request: Record<string, { Keys: Record<string, unknown>[] }> | undefined = {
        [this.table]: { Keys: keyList.slice(i, i + 100) },
      };
      for (let attempt = 1; request && Object.keys(request).length > 0; attempt++) {
        if (attempt > 8) throw new Error('BatchGetItem left keys unprocessed after 8 attempts');
        if (attempt > 1) await new Promise((r) => setTimeout(r, Math.random() * 50 * 2 ** (attempt - 2)));
        const out = await this.doc.send(new BatchGetCommand({ RequestItems: request }));
        found.push(...(out.Responses?.[this.table] ?? []));
        request = out.UnprocessedKeys as typeof request;
      }
    }
    return found;
  }

  private async lineKeys(source: string, date: IsoDay, team: string): Promise<string[]> {
    const items = await this.queryAll({
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.linesPk(source, date, team) },
      ProjectionExpression: 'sk',
    });
    return items.map((i) => z.object({ sk: z.string() }).parse(i).sk);
  }

  /** Follows `LastEvaluatedKey` to the end. */
  private async queryAll(input: Omit<QueryCommandInput, 'TableName'>): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.doc.send(
        new QueryCommand({ ...input, TableName: this.table, ExclusiveStartKey: start }),
      );
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }

  async teamDailyTotals(team: string, from: IsoDay, to: IsoDay): Promise<TeamDaySourceTotal[]> {
    const [lo, hi] = keys.teamDayRange(from, to);
    const items = await this.queryAll({
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :lo AND :hi',
      ExpressionAttributeValues: { ':pk': keys.teamPk(team), ':lo': lo, ':hi': hi },
    });
    return items.map((i) => {
      const t = teamDayItem.parse(i);
      return {
        ...t,
        tokens: {
          input: t.tokens.input ?? 0,
          output: t.tokens.output ?? 0,
          cacheRead: t.tokens.cacheRead ?? 0,
          cacheWrite: t.tokens.cacheWrite ?? 0,
        },
      };
    });
  }

  async teamLines(source: string, date: IsoDay, team: string): Promise<UsageRecord[]> {
    const items = await this.queryAll({
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.linesPk(source, date, team) },
    });
    return items.map((i) => lineItem.parse(i));
  }

  async sourceDays(source: string, from: IsoDay, to: IsoDay): Promise<SourceDayManifest[]> {
    const items = await this.queryAll({
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :lo AND :hi',
      ExpressionAttributeValues: {
        ':pk': keys.sourcePk(source),
        ':lo': keys.sourceDaySk(from),
        ':hi': keys.sourceDaySk(to),
      },
    });
    return items.map((i) => manifestItem.parse(i));
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

  async getTeamSummaries(teams: readonly string[]): Promise<Map<string, unknown>> {
    const items = await this.batchGetAll(teams.map((t) => ({ pk: keys.teamPk(t), sk: keys.summarySk() })));
    const result = new Map<string, unknown>();
    for (const item of items) {
      const parsed = z.object({ pk: z.string(), doc: z.string() }).parse(item);
      result.set(parsed.pk.slice('TEAM#'.length), JSON.parse(parsed.doc));
    }
    return result;
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
      new GetCommand({ TableName: this.table, Key: { pk: keys.statePk(scope), sk: keys.stateSk(key) } }),
    );
    if (!out.Item) return undefined;
    const s = stateItem.parse(out.Item);
    return { value: JSON.parse(s.value), version: s.version };
  }

  async putState(scope: string, key: string, value: unknown, expectedVersion: number): Promise<number> {
    const version = expectedVersion + 1;
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            pk: keys.statePk(scope),
            sk: keys.stateSk(key),
            type: 'state',
            value: toJson(value),
            version,
          },
          ...(expectedVersion === 0
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : { ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': expectedVersion } }),
        }),
      );
    } catch (err) {
      if (err instanceof Error && err.name === 'ConditionalCheckFailedException') {
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
    });
    return items.map((i) => {
      const s = stateItem.parse(i);
      return { key: s.sk, value: JSON.parse(s.value), version: s.version };
    });
  }
}

function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}
