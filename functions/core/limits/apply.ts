import type { BurnwatchConfig } from '../config/schema.js';
import {
  type Clock,
  ConditionalWriteConflictError,
  type StateStore,
  type TeamRecordStore,
} from '../ports.js';
import {
  centsLabel,
  type LimitItem,
  type LimitProposal,
  limitProposalSchema,
  PROPOSAL_KEY_PREFIX,
  type ProposalStatus,
  personFreeError,
  proposalKey,
  type VendorLimit,
} from './proposal.js';
import type { SetResult, VendorLimitApi, VendorLimitApis, VendorRequest } from './vendor-limit-api.js';

/**
 * The lifecycle of a limit proposal, apart from where it is kept: proposed → applying → applied
 * (or partial: each item applied, unconfirmed — written but not confirmed by reading back — or failed
 * with its reason) → undoing → undone. Every vendor write
 * is read back before an item counts as applied, and the record is written after each item, so a
 * failure half-way (or a crash) leaves an accurate record and a retry completes only what is left.
 * With `limits.dryRun` nothing reaches a vendor: the record says what would have been sent.
 */

export interface LimitDeps {
  readonly config: BurnwatchConfig;
  readonly store: StateStore & TeamRecordStore;
  readonly clock: Clock;
  readonly apis: VendorLimitApis;
  /** How long a claim by a run that died is honoured before another may take over. @default 15 min */
  readonly claimMs?: number;
}

export type LimitAction = 'apply' | 'undo';

export interface LimitActionResult {
  readonly outcome:
    | 'applied'
    | 'partial'
    | 'failed'
    | 'dry-run'
    | 'undone'
    | 'busy'
    | 'nothing'
    | 'not-found';
  readonly proposal?: LimitProposal;
  /** Dry run: the requests each item would send. */
  readonly wouldSend?: ReadonlyArray<{ readonly item: string; readonly requests: readonly VendorRequest[] }>;
  /** One sentence for people (counts, no names). */
  readonly summary: string;
}

/** The audit record of one action (TeamRecordStore kind `limit`), kept beside the proposal. */
export interface LimitActionRecord {
  readonly id: string;
  readonly proposal: string;
  readonly action: LimitAction | 'dry-run';
  readonly by: string;
  readonly at: string;
  readonly dryRun: boolean;
  readonly outcome: LimitActionResult['outcome'];
  readonly items: ReadonlyArray<
    Pick<
      LimitItem,
      'id' | 'vendor' | 'scope' | 'subject' | 'state' | 'before' | 'after' | 'error' | 'note'
    > & {
      readonly vendorResponse?: unknown;
    }
  >;
  readonly wouldSend?: LimitActionResult['wouldSend'];
}

const CLAIM_MS = 15 * 60_000;

/** A stored proposal and its version, or undefined. */
export async function loadProposal(
  store: StateStore,
  team: string,
  id: string,
): Promise<{ proposal: LimitProposal; version: number } | undefined> {
  const stored = await store.getState(team, proposalKey(id));
  if (!stored) return undefined;
  return { proposal: limitProposalSchema.parse(stored.value), version: stored.version };
}

/** Every proposal of a team, newest first (unreadable records are skipped, not fatal). */
export async function listProposals(store: StateStore, team: string): Promise<LimitProposal[]> {
  const out: LimitProposal[] = [];
  for (const s of await store.listStates(team, PROPOSAL_KEY_PREFIX)) {
    const parsed = limitProposalSchema.safeParse(s.value);
    if (parsed.success) out.push(parsed.data);
  }
  return out.sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
}

/**
 * Stores a new proposal; if one with its id exists (a retried run), the stored one stands and is
 * returned, so a proposal is never reset once people acted on it.
 */
export async function recordProposal(store: StateStore, proposal: LimitProposal): Promise<LimitProposal> {
  try {
    await store.putState(proposal.team, proposalKey(proposal.id), proposal, 0);
    return proposal;
  } catch (err) {
    if (!(err instanceof ConditionalWriteConflictError)) throw err;
    const existing = await loadProposal(store, proposal.team, proposal.id);
    if (!existing) throw err;
    return existing.proposal;
  }
}

/** Applies (or retries) a proposal: each item not yet applied is set, read back and recorded. */
export function applyProposal(deps: LimitDeps, team: string, id: string, by: string) {
  return runAction(deps, team, id, by, 'apply');
}

/**
 * Undoes a proposal: each applied (or unconfirmed) item is restored to what the vendor held before,
 * and read back.
 */
export function undoProposal(deps: LimitDeps, team: string, id: string, by: string) {
  return runAction(deps, team, id, by, 'undo');
}

async function runAction(
  deps: LimitDeps,
  team: string,
  id: string,
  by: string,
  action: LimitAction,
): Promise<LimitActionResult> {
  const loaded = await loadProposal(deps.store, team, id);
  if (!loaded) return { outcome: 'not-found', summary: `No limit proposal ${id} for ${team}.` };
  let { proposal, version } = loaded;
  const now = () => deps.clock.now().toISOString();
  const todo = proposal.items.filter((i) => (action === 'apply' ? isOpen(i) : mayBeInPlace(i)));
  if (todo.length === 0)
    return {
      outcome: 'nothing',
      proposal,
      summary:
        action === 'apply'
          ? 'Every limit in this proposal is already applied, already as strict at the vendor, or undone; nothing to do.'
          : 'No limit of this proposal is applied; nothing to undo.',
    };
  if (proposal.busy && Date.parse(proposal.busy.at) + (deps.claimMs ?? CLAIM_MS) > deps.clock.now().getTime())
    return {
      outcome: 'busy',
      proposal,
      summary: `${proposal.busy.by} started to ${proposal.busy.action} these limits at ${proposal.busy.at.slice(11, 16)} UTC; wait for it to finish.`,
    };

  const write = async (next: LimitProposal) => {
    version = await deps.store.putState(team, proposalKey(id), next, version);
    proposal = next;
  };

  if (deps.config.limits.dryRun) {
    const wouldSend = todo.map((item) => {
      const api = deps.apis(item.vendor);
      const amount = action === 'apply' ? item.amountCents : (item.before?.amountCents ?? null);
      const restore = action === 'undo' ? item.before : undefined;
      return { item: item.id, requests: api ? api.describe(item, amount, restore) : [] };
    });
    const summary = `Dry run (limits.dryRun is on): ${wouldSend.reduce((n, w) => n + w.requests.length, 0)} request${wouldSend.length === 1 ? '' : 's'} for ${todo.length} limit${todo.length === 1 ? '' : 's'} would be sent; nothing was sent. Set limits.dryRun to false to ${action}.`;
    await write({
      ...proposal,
      history: [...proposal.history, { action: 'dry-run', by, at: now(), result: summary }],
    });
    await audit(deps, proposal, 'dry-run', by, 'dry-run', [], wouldSend);
    return { outcome: 'dry-run', proposal, wouldSend, summary };
  }

  // The claim: a concurrent press sees `busy` (or loses the compare-and-set) and sends nothing.
  const status = proposal.status;
  try {
    await write({
      ...proposal,
      status: action === 'apply' ? 'applying' : 'undoing',
      busy: { by, at: now(), action },
    });
  } catch (err) {
    if (!(err instanceof ConditionalWriteConflictError)) throw err;
    return { outcome: 'busy', proposal, summary: 'Someone else is acting on these limits right now.' };
  }

  const responses = new Map<string, unknown>();
  const record = (updated: LimitItem) =>
    write({ ...proposal, items: proposal.items.map((i) => (i.id === updated.id ? updated : i)) });
  for (const todoItem of todo) {
    let item = todoItem;
    if (action === 'apply' && !item.before) {
      // "Before" is recorded ahead of the first write: a run that dies after the vendor took the
      // change must not read burnwatch's own limit back as what to restore.
      const read = await readBefore(deps, item);
      item = read.item;
      await record(item);
      if (!read.ok) continue;
    }
    const updated = await (action === 'apply' ? applyItem : undoItem)(deps, item, now, (r) =>
      responses.set(item.id, r),
    );
    // Recorded item by item: whatever happens next, the record says which limits are in place.
    await record(updated);
  }
  const final = statusOf(proposal.items, status);
  const touched = todo.map((t) => proposal.items.find((i) => i.id === t.id) ?? t);
  const { outcome, summary } = action === 'undo' ? undoResult(touched) : applyResult(proposal.items);
  const { busy: _done, ...rest } = proposal;
  await write({
    ...rest,
    status: final,
    history: [...proposal.history, { action, by, at: now(), result: summary }],
  });
  await audit(deps, proposal, action, by, outcome, touched, undefined, responses);
  return { outcome, proposal, summary };
}

/** How many of `items` are in `state`. */
const countOf = (items: readonly LimitItem[], state: LimitItem['state']) =>
  items.filter((i) => i.state === state).length;
const limits = (n: number) => `${n} limit${n === 1 ? '' : 's'}`;

/** The outcome of an apply and its summary, from every item of the proposal. */
function applyResult(items: readonly LimitItem[]): Pick<LimitActionResult, 'outcome' | 'summary'> {
  const [applied, unconfirmed, failed, skipped, undone] = [
    countOf(items, 'applied'),
    countOf(items, 'unconfirmed'),
    countOf(items, 'failed'),
    countOf(items, 'skipped'),
    countOf(items, 'undone'),
  ];
  const inState = (state: LimitItem['state']) => items.filter((i) => i.state === state);
  if (skipped === items.length)
    return {
      outcome: 'applied',
      summary: `Nothing to change: ${skipped === 1 ? 'the limit is' : `all ${skipped} limits are`} already as strict at the vendor (${firstNote(items)}).`,
    };
  const parts = [
    `${applied} of ${limits(items.length)} applied and confirmed by reading back`,
    ...(unconfirmed
      ? [
          `${unconfirmed} written but not confirmed by reading back (${firstError(inState('unconfirmed'))}) — Approve again re-checks, Undo takes back`,
        ]
      : []),
    ...(failed
      ? [`${failed} not applied (${firstError(inState('failed'))}) — Approve again retries only those`]
      : []),
    ...(skipped ? [`${skipped} not changed (${firstNote(items)})`] : []),
    ...(undone ? [`${undone} undone earlier`] : []),
  ];
  const outcome = failed + unconfirmed === 0 ? 'applied' : applied > 0 ? 'partial' : 'failed';
  return { outcome, summary: `${parts.join('; ')}.` };
}

/** The outcome of an undo and its summary, from the items it acted on. */
function undoResult(touched: readonly LimitItem[]): Pick<LimitActionResult, 'outcome' | 'summary'> {
  const stillApplied = touched.filter(mayBeInPlace).length;
  const kept = touched.filter((i) => i.state === 'kept');
  const parts = [
    `Undo: ${countOf(touched, 'undone')} of ${limits(touched.length)} restored`,
    ...(kept.length ? [`${kept.length} not restored (${firstNote(kept)})`] : []),
    ...(stillApplied
      ? [`${stillApplied} could not be (${firstError(touched)}) — press Undo again to retry`]
      : []),
  ];
  return { outcome: stillApplied === 0 ? 'undone' : 'partial', summary: `${parts.join('; ')}.` };
}

/** The first item's error, without who: the summary goes into the channel's alert message. */
function firstError(items: readonly LimitItem[]): string {
  const item = items.find((i) => i.error);
  return (item && personFreeError(item)) ?? 'see the record';
}

/** Whether Approve still has something to do for the item (an unconfirmed write is re-checked). */
const isOpen = (i: LimitItem) => i.state === 'pending' || i.state === 'failed' || i.state === 'unconfirmed';
/** Whether the vendor may hold burnwatch's limit for the item, so Undo has something to take back. */
const mayBeInPlace = (i: LimitItem) => i.state === 'applied' || i.state === 'unconfirmed';

/** The first item's note (why a limit was left as it was); notes name no one. */
function firstNote(items: readonly LimitItem[]): string {
  return items.find((i) => i.note)?.note ?? 'see the record';
}

/** The proposal's status from its items. */
function statusOf(items: readonly LimitItem[], previous: ProposalStatus): ProposalStatus {
  const applied = countOf(items, 'applied');
  const skipped = countOf(items, 'skipped');
  // Done when every limit is in place or was already as strict (all of them already as strict too:
  // Approve was pressed and nothing is left to do).
  if (applied + skipped === items.length) return 'applied';
  if (items.some(mayBeInPlace)) return 'partial';
  if (items.some((i) => i.state === 'undone' || i.state === 'kept')) return 'undone';
  return previous === 'applying' || previous === 'undoing'
    ? 'proposed'
    : previous === 'undone'
      ? 'undone'
      : 'proposed';
}

/** The limit that stops spending for the scope now: the one it inherits where the vendor says so, else its own. */
const limitInForce = (held: VendorLimit): number | null =>
  held.effectiveCents === undefined ? held.amountCents : held.effectiveCents;

/**
 * Whether the vendor's limit in force (the scope's own or one it inherits) already stops spending at
 * or below `amountCents`: a cap must never give anyone more room (a GitHub budget that only alerts
 * does not stop anything).
 */
function isAlreadyAsStrict(held: VendorLimit, amountCents: number): boolean {
  const inForce = limitInForce(held);
  return inForce !== null && inForce <= amountCents && held.hardStop !== false;
}

/** Why a limit already as strict was left as it is (names no one: channels see it). */
function asStrictNote(held: VendorLimit, amountCents: number): string {
  const inForce = limitInForce(held);
  const inherited = inForce !== held.amountCents ? ' (inherited)' : '';
  return `already limited to ${centsLabel(inForce)} at the vendor${inherited}, at or below the ${centsLabel(amountCents)} proposed: left as it is`;
}

/**
 * The item with what the vendor holds now as its `before` (skipped when the limit in force is already
 * as strict), or failed with why it could not be read. `before` is the scope's own limit (what Undo
 * restores), with the inherited one beside it (`effectiveCents`) where the vendor reports it.
 */
async function readBefore(deps: LimitDeps, item: LimitItem): Promise<{ ok: boolean; item: LimitItem }> {
  const api = deps.apis(item.vendor);
  if (!api)
    return {
      ok: false,
      item: { ...item, state: 'failed', error: `limits.${item.vendor} is not configured` },
    };
  try {
    const before = await api.read(item);
    if (isAlreadyAsStrict(before, item.amountCents))
      return {
        ok: false,
        item: {
          ...item,
          before,
          state: 'skipped',
          note: asStrictNote(before, item.amountCents),
        },
      };
    return { ok: true, item: { ...item, before } };
  } catch (err) {
    return {
      ok: false,
      item: {
        ...item,
        state: 'failed',
        error: `reading the current limit failed: ${describeVendorFailure(err)}`,
      },
    };
  }
}

const NO_LIMIT: VendorLimit = { amountCents: null };

async function applyItem(
  deps: LimitDeps,
  item: LimitItem,
  now: () => string,
  onResponse: (r: unknown) => void,
): Promise<LimitItem> {
  const api = deps.apis(item.vendor);
  // An unconfirmed item may be in place at the vendor: it stays so (Undo takes it back) until a read
  // shows burnwatch's limit is not there.
  let mayBeThere = item.state === 'unconfirmed';
  const notWritten = (error: string): LimitItem =>
    mayBeThere
      ? {
          ...item,
          state: 'unconfirmed',
          error: `the vendor accepted an earlier write, so it may be in place, but writing it again failed: ${error}`,
        }
      : { ...item, state: 'failed', error };
  if (!api) return notWritten(`limits.${item.vendor} is not configured`);
  let current = item.before ?? NO_LIMIT;
  if (item.state === 'unconfirmed') {
    // The vendor took an earlier write: look before writing again (a second create is a second budget).
    const rechecked = await confirmWritten(api, item, now);
    if (rechecked.item.state === 'applied') return rechecked.item;
    // A read that answered shows what is there instead of burnwatch's limit; one that failed (or
    // could not tell, `known: false`) shows nothing.
    if (rechecked.shown && rechecked.shown.known !== false) mayBeThere = false;
    current = rechecked.shown ?? writtenLimit(item);
  }
  let result: SetResult;
  try {
    result = await api.set(item, item.amountCents, current);
  } catch (err) {
    if (refused(err)) return notWritten(describeVendorFailure(err));
    // No answer (a 5xx after retries, a timeout, a broken connection) is not proof the vendor did not
    // take it: what reading back shows decides, so a limit in place is never recorded as failed.
    const lost = describeVendorFailure(err);
    const read = await confirmWritten(api, item, now);
    if (read.item.state === 'applied') return read.item;
    if (mayBeThere || (read.shown && read.shown.known !== false)) return notWritten(lost);
    return {
      ...item,
      state: 'unconfirmed',
      error: `no answer to the write (${lost}), and reading back could not show whether it took: it may be in place`,
    };
  }
  onResponse(result.response);
  // From here on the vendor holds the change: whatever reading back says, the record keeps that.
  const written = await confirmWritten(
    api,
    { ...item, vendorResponse: result.response, ...(result.ref ? { ref: result.ref } : {}) },
    now,
  );
  return written.item;
}

/** The limit burnwatch wrote for the item, with the vendor's id for it when known. */
function writtenLimit(item: LimitItem): VendorLimit {
  const ref = item.ref ?? item.after?.ref;
  return ref ? { amountCents: item.amountCents, ref } : (item.before ?? NO_LIMIT);
}

/**
 * Reads a written item back: applied when the vendor shows its amount, else unconfirmed and why;
 * `shown` is what the read showed (absent when reading failed).
 */
async function confirmWritten(
  api: VendorLimitApi,
  item: LimitItem,
  now: () => string,
): Promise<{ item: LimitItem; shown?: VendorLimit }> {
  let after: VendorLimit;
  try {
    after = await api.read(item, writtenLimit(item));
  } catch (err) {
    return {
      item: {
        ...item,
        state: 'unconfirmed',
        error: `the vendor accepted it but reading it back failed: ${describeVendorFailure(err)}`,
      },
    };
  }
  if (after.amountCents !== item.amountCents)
    return {
      item: {
        ...item,
        state: 'unconfirmed',
        after,
        error: `the vendor accepted it but reading back shows ${centsLabel(after.amountCents)}, not ${centsLabel(item.amountCents)}`,
      },
      shown: after,
    };
  const { error: _cleared, ...ok } = item;
  return {
    item: { ...ok, state: 'applied', after, ...(after.ref ? { ref: after.ref } : {}), appliedAt: now() },
    shown: after,
  };
}

async function undoItem(
  deps: LimitDeps,
  item: LimitItem,
  now: () => string,
  onResponse: (r: unknown) => void,
): Promise<LimitItem> {
  const api = deps.apis(item.vendor);
  if (!api) return { ...item, error: `undo: limits.${item.vendor} is not configured` };
  const target = item.before?.amountCents ?? null;
  if (item.before?.known === false) {
    const { error: _cleared, ...ok } = item;
    // Removing burnwatch's limit could remove one the scope had before: leaving it is the safe side.
    return {
      ...ok,
      state: 'kept',
      note: `what the vendor held before burnwatch's ${centsLabel(item.amountCents)} could not be read (no spendLimitId for this workspace in limits.anthropic.workspaces), so it is left in place rather than removed; set the limit you want in the Anthropic Console`,
    };
  }
  try {
    const current = await api.read(item, writtenLimit(item));
    const { error: _cleared, ...ok } = item;
    if (isRestored(current, item.before ?? NO_LIMIT))
      return { ...ok, state: 'undone', after: current, undoneAt: now() };
    const mine = item.after?.amountCents ?? item.amountCents;
    if (current.amountCents !== mine)
      // Someone changed it at the vendor after burnwatch: theirs now, not burnwatch's to replace.
      return {
        ...ok,
        state: 'kept',
        note: `changed at the vendor since burnwatch set it: ${centsLabel(current.amountCents)} now, burnwatch set ${centsLabel(mine)}; left as it is`,
      };
    const { response, ref } = await api.set(item, target, current, item.before);
    onResponse(response);
    const after = await api.read(item, ref ? { amountCents: target, ref } : item.before);
    if (!isRestored(after, item.before ?? NO_LIMIT))
      return {
        ...item,
        error: `undo: reading back shows ${centsLabel(after.amountCents)}, not ${centsLabel(target)}`,
      };
    return { ...ok, state: 'undone', after, vendorResponse: response, undoneAt: now() };
  } catch (err) {
    return { ...item, error: `undo: ${describeVendorFailure(err)}` };
  }
}

/**
 * Whether the vendor holds `before` again: its amount, GitHub's hard stop where it was read, and an
 * explicit "no limit" override (amount null with an id) as an override, not as none at all.
 */
function isRestored(after: VendorLimit, before: VendorLimit): boolean {
  const explicitNone = before.amountCents === null && before.ref !== undefined;
  return (
    after.amountCents === before.amountCents &&
    (before.hardStop === undefined || after.amountCents === null || after.hardStop === before.hardStop) &&
    (!explicitNone || after.ref !== undefined)
  );
}

async function audit(
  deps: LimitDeps,
  proposal: LimitProposal,
  action: LimitActionRecord['action'],
  by: string,
  outcome: LimitActionResult['outcome'],
  items: readonly LimitItem[],
  wouldSend?: LimitActionResult['wouldSend'],
  responses?: ReadonlyMap<string, unknown>,
): Promise<void> {
  const at = deps.clock.now().toISOString();
  const record: LimitActionRecord = {
    id: `${at}#${proposal.id}#${action}`,
    proposal: proposal.id,
    action,
    by,
    at,
    dryRun: action === 'dry-run',
    outcome,
    items: items.map((i) => ({
      id: i.id,
      vendor: i.vendor,
      scope: i.scope,
      subject: i.subject,
      state: i.state,
      ...(i.before ? { before: i.before } : {}),
      ...(i.after ? { after: i.after } : {}),
      ...(i.error ? { error: i.error } : {}),
      ...(i.note ? { note: i.note } : {}),
      ...(responses?.has(i.id) ? { vendorResponse: responses.get(i.id) } : {}),
    })),
    ...(wouldSend ? { wouldSend } : {}),
  };
  await deps.store.putTeamRecord(proposal.team, 'limit', record.id, record);
}

/** The vendor answered and refused (4xx, 429 included): the write was not carried out. */
function refused(err: unknown): boolean {
  const e = err as { code?: unknown; status?: unknown };
  return e?.code === 'VENDOR_HTTP' && typeof e.status === 'number' && e.status >= 400 && e.status < 500;
}

/**
 * A vendor failure in words an approver can act on. Branches on the adapters' coded errors
 * (`VENDOR_HTTP` with its status) without importing them: core stays free of adapters.
 */
export function describeVendorFailure(err: unknown): string {
  const e = err as { code?: unknown; status?: unknown; message?: unknown };
  const message = typeof e?.message === 'string' ? e.message : String(err);
  if (e?.code === 'VENDOR_HTTP' && typeof e.status === 'number') {
    if (e.status === 429) return `rate limited by the vendor (HTTP 429, still after retries); retry later`;
    if (e.status === 401 || e.status === 403)
      return `the vendor refused the key (HTTP ${e.status}): it needs the admin scope that changes limits (${message})`;
    if (e.status >= 400 && e.status < 500) return `the vendor refused it (HTTP ${e.status}): ${message}`;
  }
  return message;
}
