import * as z from 'zod';
import { type Block, plain } from './block-kit.js';

/**
 * The buttons on an alert that let people decide in Slack (issue 18): acknowledge, snooze a week,
 * plan a change, ask what-if. Each carries which alert it is about; the interactivity endpoint
 * (core/slash/interactions.ts) checks who pressed it before it acts.
 */
export const ACTIONS = {
  ack: 'burnwatch.ack',
  snooze: 'burnwatch.snooze',
  plan: 'burnwatch.plan',
  whatIf: 'burnwatch.whatif',
} as const;
export type DecisionAction = (typeof ACTIONS)[keyof typeof ACTIONS];

/** The block id of the buttons, so the endpoint can find (and replace) them when it edits the message. */
export const DECISIONS_BLOCK_ID = 'burnwatch.decisions';

/** What a button says it is about (its `value`). */
export const buttonValueSchema = z.object({
  /** Team id. */
  t: z.string().regex(/^[a-z0-9][a-z0-9-]{0,40}$/),
  /** The alert's state key (`ALERT#budget`). */
  k: z.string().regex(/^ALERT#[A-Za-z0-9#:_-]{1,120}$/),
  /** The notice the message carries. */
  n: z.string().max(300),
});
export type ButtonValue = z.infer<typeof buttonValueSchema>;

/** Acknowledge and snooze on every team alert; plan and what-if where the budget is the question. */
export function decisionButtons(value: ButtonValue, opts: { budget: boolean }): Block {
  const v = JSON.stringify(value);
  const button = (text: string, action_id: string, style?: 'primary') => ({
    type: 'button' as const,
    text: plain(text, 75),
    action_id,
    value: v,
    ...(style ? { style } : {}),
  });
  return {
    type: 'actions',
    block_id: DECISIONS_BLOCK_ID,
    elements: [
      button('Acknowledge', ACTIONS.ack, 'primary'),
      button('Snooze 7 days', ACTIONS.snooze),
      ...(opts.budget ? [button('Planned change…', ACTIONS.plan), button('What if…', ACTIONS.whatIf)] : []),
    ],
  };
}
