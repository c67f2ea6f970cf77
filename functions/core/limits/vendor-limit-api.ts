import type { LimitItem, LimitVendor, VendorLimit } from './proposal.js';

/** What one limit is about at its vendor. */
export type LimitTarget = Pick<LimitItem, 'vendor' | 'scope' | 'subject'>;

/** A request as it would go to the vendor (dry run): method, path and body, never a key. */
export interface VendorRequest {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  readonly path: string;
  readonly body?: unknown;
}

/**
 * One vendor's limit API (adapters/vendors/limits/). `amountCents: null` means "no limit at this
 * scope": the vendor's own clear (Cursor) or removing the limit burnwatch holds the id of (GitHub,
 * Anthropic), which is how undo restores a scope that had none.
 */
export interface VendorLimitApi {
  readonly vendor: LimitVendor;
  /** The limit the vendor holds for `target` now; `known` is what burnwatch recorded before (its id). */
  read(target: LimitTarget, known?: VendorLimit): Promise<VendorLimit>;
  /**
   * Sets `amountCents` (or clears); `current` is what `read` returned. `restore` (undo) is the limit as
   * `read` returned it before burnwatch changed it, for what a vendor holds besides the amount (GitHub's
   * alert-only budgets). Returns the vendor's answer and the id the vendor gave the limit (how it is
   * read back and later removed).
   */
  set(
    target: LimitTarget,
    amountCents: number | null,
    current: VendorLimit,
    restore?: VendorLimit,
  ): Promise<SetResult>;
  /** The write requests `set` would send, without sending anything (dry run). */
  describe(target: LimitTarget, amountCents: number | null, restore?: VendorLimit): VendorRequest[];
}

export interface SetResult {
  readonly response: unknown;
  readonly ref?: string;
}

/** A limit API for each configured vendor; undefined where the config has none. */
export type VendorLimitApis = (vendor: LimitVendor) => VendorLimitApi | undefined;
