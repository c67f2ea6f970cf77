import * as z from 'zod';
import { ConditionalWriteConflictError, type StateStore } from '../ports.js';
import type { SlackPosted } from './delivery.js';

/**
 * One Slack thread per team, fiscal period and channel: the first notice of the period is the
 * parent, later ones reply in its thread and the parent is edited to the current state, so a
 * channel shows one line per team per year instead of a stack of alerts.
 *
 * The parent is remembered in the team's state (`THREAD#{period}#{target}`) right after Slack
 * accepts it. A crash between the two leaves the thread unremembered: the next notice then starts
 * a new one (a second parent, never a lost alert).
 */
export const THREAD_KEY_PREFIX = 'THREAD#';

const threadSchema = z.object({ channelId: z.string().min(1), ts: z.string().min(1) });

export interface NoticeThreads {
  /** The thread's parent for `team`'s notices to `target` this period, if one was started. */
  find(team: string, period: string, target: string): Promise<SlackPosted | undefined>;
  /**
   * Remembers `parent` as the thread (replacing `replaces`, a parent Slack no longer has); a parent
   * remembered first by a concurrent run wins.
   */
  remember(
    team: string,
    period: string,
    target: string,
    parent: SlackPosted,
    replaces?: SlackPosted,
  ): Promise<SlackPosted>;
}

export class StateStoreThreads implements NoticeThreads {
  constructor(private readonly store: StateStore) {}

  private key(period: string, target: string): string {
    return `${THREAD_KEY_PREFIX}${period}#${target}`;
  }

  async find(team: string, period: string, target: string): Promise<SlackPosted | undefined> {
    const stored = await this.store.getState(team, this.key(period, target));
    const parsed = threadSchema.safeParse(stored?.value);
    return parsed.success ? parsed.data : undefined;
  }

  async remember(
    team: string,
    period: string,
    target: string,
    parent: SlackPosted,
    replaces?: SlackPosted,
  ): Promise<SlackPosted> {
    const key = this.key(period, target);
    try {
      const version = replaces ? ((await this.store.getState(team, key))?.version ?? 0) : 0;
      await this.store.putState(team, key, { channelId: parent.channelId, ts: parent.ts }, version);
      return parent;
    } catch (err) {
      if (!(err instanceof ConditionalWriteConflictError)) throw err;
      return (await this.find(team, period, target)) ?? parent;
    }
  }
}
