import type { StateStore } from '../ports.js';
import { type Intent, isDone, type LedgerPersistence } from './delivery-ledger.js';
import type { AlertState } from './lifecycle.js';

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
    const { pending: _replaced, ...rest } = this.state;
    const next: AlertState = isDone(intent)
      ? { ...rest, lastNotice: { id: intent.id, kind: intent.kind, asOf: intent.asOf } }
      : { ...rest, pending: intent };
    this.version = await this.store.putState(this.team, this.key, next, this.version);
    this.state = next;
  }
}
