import * as z from 'zod';
import { isIsoDay } from '../dates.js';
import { type Clock, ConditionalWriteConflictError } from '../ports.js';
import type { SlackMessage } from './block-kit.js';
import { DeliveryError } from './delivery.js';
import type { SnsNotice } from './messages.js';

/**
 * The delivery ledger: the lifecycle of one notice's deliveries, claim → send → confirm per target,
 * kept apart from where it is stored (a `LedgerPersistence`) and from how targets are reached (a
 * `LedgerTransport`), as Powertools idempotency keeps a record's lifecycle apart from its
 * persistence layer.
 *
 * A target is claimed (one write, conditional) before it is sent to and confirmed (one write)
 * after the target accepted it; the confirm of one target and the claim of the next are the same
 * write. So at any crash point at most one target is claimed and unconfirmed, and the next attempt
 * knows which:
 * - a claim held by the same run (`runId`: the Lambda's retry of the same day's job, a re-run) is
 *   resumed at once: Slack is asked whether the message is there (its metadata carries the notice
 *   id); if it is, the delivery is confirmed without sending, if not it is sent;
 * - a claim held by another run is left to it until its lease runs out, then handled the same way;
 * - SNS cannot be asked: a publish accepted just before a crash is published again (at-least-once,
 *   with the notice id as FIFO deduplication id and as the `notice_id` attribute). That window,
 *   between SNS accepting and the confirm write, is the only one that repeats a message.
 */

const isoDay = z.string().refine(isIsoDay, 'must be YYYY-MM-DD');
const severity = z.enum(['ok', 'warning', 'critical']);

/** One destination of a notice and how far its delivery got. */
export const deliverySchema = z.object({
  /** `slack:<channel>`, `slack-dm:<user id>` or `sns`. */
  target: z.string(),
  /**
   * `pending`: not tried yet; `claimed`: a run took it and may have sent it (check before sending
   * again); `sent`: the target accepted it; `failed`: definitely not sent, retried on the next run.
   * (`sending` is how earlier versions wrote `claimed`.)
   */
  status: z
    .enum(['pending', 'claimed', 'sending', 'sent', 'failed'])
    .transform((s) => (s === 'sending' ? 'claimed' : s)),
  /** The run that holds the claim. */
  claimedBy: z.string().optional(),
  attemptedAt: z.string(),
  attempts: z.number().int().nonnegative(),
  /** Slack channel id and message ts once known (for the read-back and the chart thread). */
  channelId: z.string().optional(),
  ts: z.string().optional(),
  /** SNS message id once published. */
  messageId: z.string().optional(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
});
export type Delivery = z.infer<typeof deliverySchema>;

function isMessage(v: unknown): boolean {
  return (
    typeof v === 'object' && v !== null && 'text' in v && Array.isArray((v as { blocks?: unknown }).blocks)
  );
}

/** A notice being delivered: recorded before the first send so a retried run can finish, not repeat, it. */
export const intentSchema = z.object({
  id: z.string(),
  kind: z.enum(['enter', 'escalate', 'worsen', 'recover', 'digest']),
  severity,
  asOf: isoDay,
  createdAt: z.string(),
  /**
   * The composed messages, validated against Block Kit's limits when composed and stored with the
   * intent, so a retry sends exactly what was decided (ours, so only their shape is checked here).
   */
  messages: z.object({
    channel: z.custom<SlackMessage>((v) => isMessage(v)),
    private: z.custom<SlackMessage>((v) => isMessage(v)).optional(),
  }),
  sns: z.custom<SnsNotice>((v) => typeof v === 'object' && v !== null && 'subject' in v).optional(),
  /** Attach the team's burn-up chart to Slack channel deliveries. */
  chart: z.boolean(),
  deliveries: z.array(deliverySchema),
});
export type Intent = z.infer<typeof intentSchema>;

/** What a target returned on accepting a notice. */
export interface Receipt {
  readonly channelId?: string;
  readonly ts?: string;
  readonly messageId?: string;
}

/** How targets are reached (Slack, SNS): the ledger does not know. */
export interface LedgerTransport {
  /**
   * Sends the notice to one target; throws `DeliveryError` when it did not go out, or, with
   * `mayHaveArrived`, when the target's answer never came.
   */
  send(delivery: Delivery, intent: Intent): Promise<{ receipt: Receipt; warnings: readonly string[] }>;
  /**
   * Whether the target already holds this notice (a crash between its acceptance and the confirm):
   * the receipt if found, `absent` if the target says it is not there, `unknown` if it cannot tell
   * (SNS, or Slack's history unreadable).
   */
  readBack(delivery: Delivery, intent: Intent): Promise<Receipt | 'absent' | 'unknown'>;
}

/** Where the ledger is kept: writes the intent's deliveries, conditional on what was read before. */
export interface LedgerPersistence {
  /** Throws `ConditionalWriteConflictError` when another run wrote the record since. */
  save(intent: Intent): Promise<void>;
}

/** A step of delivery, for fault-injection tests (a test throws here to crash the run at that point). */
export type LedgerStep = 'claimed' | 'accepted' | 'confirmed';

export interface DeliverOptions {
  readonly intent: Intent;
  /** True when this process recorded the intent just now: its claims cannot have been sent yet. */
  readonly fresh: boolean;
  readonly runId: string;
  readonly clock: Clock;
  /** How long another run's claim is left to it before it is checked and taken over. */
  readonly leaseMs: number;
  readonly transport: LedgerTransport;
  readonly persistence: LedgerPersistence;
  readonly afterStep?: (step: LedgerStep, target: string) => void | Promise<void>;
}

export interface DeliverResult {
  readonly intent: Intent;
  readonly problems: readonly string[];
}

export const isDone = (intent: Intent) => intent.deliveries.every((d) => d.status === 'sent');

/**
 * A new intent's deliveries: the first target claimed by `runId` (in the same write that records
 * the notice), the others pending.
 */
export function newDeliveries(targets: readonly string[], runId: string, at: string): Delivery[] {
  return targets.map((target, i) =>
    i === 0
      ? { target, status: 'claimed' as const, claimedBy: runId, attemptedAt: at, attempts: 1 }
      : { target, status: 'pending' as const, attemptedAt: at, attempts: 0 },
  );
}

type Next = 'skip' | 'send' | 'check' | 'leave';

/** What to do with one delivery now. */
export function nextStep(d: Delivery, runId: string, now: Date, leaseMs: number): Next {
  if (d.status === 'sent') return 'skip';
  if (d.status === 'pending' || d.status === 'failed') return 'send';
  // Claimed: by this run (a retry of it), check at once; by another, wait out its lease first.
  if (d.claimedBy === runId) return 'check';
  return now.getTime() - new Date(d.attemptedAt).getTime() < leaseMs ? 'leave' : 'check';
}

/**
 * Delivers every unconfirmed target of `intent`, in order, recording each step through
 * `persistence` so a crash anywhere leaves an accurate record. Definite failures are recorded and
 * the next target is tried; a conflicting write (another run took the notice over) stops.
 */
export async function deliverNotice(opts: DeliverOptions): Promise<DeliverResult> {
  const problems: string[] = [];
  const deliveries = [...opts.intent.deliveries];
  let saved: Intent = opts.intent;
  const save = async () => {
    saved = { ...opts.intent, deliveries: [...deliveries] };
    await opts.persistence.save(saved);
  };
  const claim = (i: number, d: Delivery) => {
    deliveries[i] = {
      ...d,
      status: 'claimed',
      claimedBy: opts.runId,
      attemptedAt: opts.clock.now().toISOString(),
      attempts: d.attempts + 1,
    };
  };
  try {
    // A fresh intent was recorded with its first target claimed by this run: send it straight away.
    let claimedIndex = opts.fresh
      ? deliveries.findIndex((d) => d.status === 'claimed' && d.claimedBy === opts.runId)
      : -1;
    if (claimedIndex >= 0) await opts.afterStep?.('claimed', deliveries[claimedIndex]?.target ?? '');
    for (let i = 0; i < deliveries.length; i++) {
      const d = deliveries[i] as Delivery;
      // Claimed by this run in the write before: not sent yet, so no read-back.
      const step = claimedIndex === i ? 'send' : nextStep(d, opts.runId, opts.clock.now(), opts.leaseMs);
      if (step === 'skip') continue;
      if (step === 'leave') {
        problems.push(`${opts.intent.id} → ${d.target}: being sent by run ${d.claimedBy ?? '?'}; left to it`);
        continue;
      }
      if (step === 'check') {
        const found = await opts.transport.readBack(d, opts.intent);
        if (found !== 'absent' && found !== 'unknown') {
          deliveries[i] = { ...d, status: 'sent', ...found };
          await save();
          await opts.afterStep?.('confirmed', d.target);
          continue;
        }
        if (found === 'unknown')
          problems.push(
            `${opts.intent.id} → ${d.target}: cannot tell whether an interrupted send went out; sending again`,
          );
      }
      if (claimedIndex !== i) {
        claim(i, d);
        await save();
        await opts.afterStep?.('claimed', d.target);
      }
      const claimed = deliveries[i] as Delivery;
      try {
        const { receipt, warnings } = await opts.transport.send(claimed, opts.intent);
        problems.push(...warnings.map((w) => `${opts.intent.id} → ${claimed.target}: ${w}`));
        await opts.afterStep?.('accepted', claimed.target);
        deliveries[i] = {
          target: claimed.target,
          status: 'sent',
          attemptedAt: claimed.attemptedAt,
          attempts: claimed.attempts,
          ...receipt,
        };
      } catch (err) {
        if (!(err instanceof DeliveryError)) throw err;
        const error = { code: err.code, message: err.message };
        if (err.mayHaveArrived) {
          // No answer is not "not sent": the claim stays, so the next attempt asks the target first.
          problems.push(
            `${opts.intent.id} → ${claimed.target}: ${err.message}; it may have gone out, so it is checked before it is sent again`,
          );
          deliveries[i] = { ...claimed, error };
        } else {
          problems.push(`${opts.intent.id} → ${claimed.target}: ${err.message}`);
          deliveries[i] = { ...claimed, status: 'failed', error };
        }
      }
      // Confirm this target and, in the same write, claim the next one to send.
      claimedIndex = -1;
      for (let j = i + 1; j < deliveries.length; j++) {
        const n = deliveries[j] as Delivery;
        const s = nextStep(n, opts.runId, opts.clock.now(), opts.leaseMs);
        if (s === 'send') {
          claim(j, n);
          claimedIndex = j;
        }
        if (s !== 'skip') break;
      }
      await save();
      await opts.afterStep?.('confirmed', claimed.target);
      if (claimedIndex >= 0) await opts.afterStep?.('claimed', deliveries[claimedIndex]?.target ?? '');
    }
  } catch (err) {
    if (!(err instanceof ConditionalWriteConflictError)) throw err;
    problems.push(`${opts.intent.id}: another run changed this notice while it was being delivered; stopped`);
  }
  return { intent: saved, problems };
}
