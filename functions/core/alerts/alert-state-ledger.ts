import { ConditionalWriteConflictError, type StateStore } from '../ports.js';
import { type Intent, isDone, type LedgerPersistence } from './delivery-ledger.js';
import { type AlertState, alertStateSchema } from './lifecycle.js';

/**
 * The ledger kept inside an alert rule's lifecycle state (`STATE#{team}` / `ALERT#…`): the pending
 * intent is the state's `pending`; once every target is confirmed it becomes `lastNotice`. Every
 * write is conditional on the version this run last wrote, so two runs cannot both move it.
 */
export class AlertStateLedger implements LedgerPersistence {
  constructor(
    private readonly store: StateStore,
    private readonly team: string,
    private readonly key: string,
    private state: AlertState,
    private version: number,
  ) {}

  async save(intent: Intent): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const { pending: _replaced, ...rest } = this.state;
      const next: AlertState = isDone(intent)
        ? { ...rest, lastNotice: { id: intent.id, kind: intent.kind, asOf: intent.asOf } }
        : { ...rest, pending: intent };
      try {
        this.version = await this.store.putState(this.team, this.key, next, this.version);
        this.state = next;
        return;
      } catch (err) {
        if (!(err instanceof ConditionalWriteConflictError) || attempt >= 3) throw err;
        // Someone pressed Acknowledge or Snooze meanwhile: that moves the version but not the
        // deliveries, so take their decision and go on. Anything else is another run's: stop.
        if (!(await this.takeDecisionsOnly())) throw err;
      }
    }
  }

  /** Re-reads the state; true (and adopted) when only people's decisions changed since this run wrote it. */
  private async takeDecisionsOnly(): Promise<boolean> {
    const stored = await this.store.getState(this.team, this.key);
    const parsed = stored ? alertStateSchema.safeParse(stored.value) : undefined;
    if (!stored || !parsed?.success) return false;
    const { acknowledged, snoozedUntil, ...theirs } = parsed.data;
    const { acknowledged: _a, snoozedUntil: _s, ...ours } = this.state;
    if (!sameJson(theirs, ours)) return false;
    this.state = {
      ...this.state,
      ...(acknowledged ? { acknowledged } : {}),
      ...(snoozedUntil ? { snoozedUntil } : {}),
    };
    this.version = stored.version;
    return true;
  }
}

/** Structural equality of JSON values, whatever the order of object keys. */
function sameJson(a: unknown, b: unknown): boolean {
  const canon = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(canon)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.entries(v)
              .filter(([, x]) => x !== undefined)
              .sort(([x], [y]) => (x < y ? -1 : 1))
              .map(([k, x]) => [k, canon(x)]),
          )
        : v;
  return JSON.stringify(canon(a)) === JSON.stringify(canon(b));
}
