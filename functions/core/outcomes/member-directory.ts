import { createHash } from 'node:crypto';
import * as z from 'zod';
import { ConditionalWriteConflictError, type StateStore } from '../ports.js';

/**
 * The GitHub organization's members as the `github` source last read them: each login, its email
 * where GitHub shows one, and the organization teams it belongs to. Kept in the state store
 * (`MEMBERS#{source}`) so the other sources and the outcome metrics can name the same person the
 * same way (identity.ts), whatever run read it. Large organizations are stored in chunks, the
 * header written last (the commit point), as the seat history is.
 */
export interface Member {
  readonly login: string;
  readonly email?: string;
  /** Team slugs, sorted. */
  readonly teams: readonly string[];
}

export interface MemberDirectory {
  save(at: string, members: readonly Member[]): Promise<void>;
  /** The last saved members, or undefined when none was ever saved. */
  load(): Promise<{ at: string; members: Member[] } | undefined>;
}

const CHUNK = 2000;
const HEAD = 'CURRENT';
const row = z.tuple([z.string(), z.string().nullable(), z.array(z.string())]);
const header = z.object({ at: z.string(), hash: z.string(), chunks: z.number().int().positive() });
const chunk = z.object({ members: z.array(row) });

export function createMemberDirectory(store: StateStore, sourceId: string): MemberDirectory {
  const scope = `MEMBERS#${sourceId}`;
  return {
    async save(at, members) {
      const rows = [...members]
        .sort((a, b) => (a.login < b.login ? -1 : a.login > b.login ? 1 : 0))
        .map((m) => [m.login, m.email ?? null, [...m.teams].sort()] as const);
      const hash = createHash('sha256').update(JSON.stringify(rows)).digest('base64url').slice(0, 22);
      const chunks = Math.max(1, Math.ceil(rows.length / CHUNK));
      for (let i = 0; i < chunks; i++) {
        const key = `L#${hash}#${i}`;
        if (await store.getState(scope, key)) continue;
        await store
          .putState(scope, key, { members: rows.slice(i * CHUNK, (i + 1) * CHUNK) }, 0)
          .catch((err: unknown) => {
            if (!(err instanceof ConditionalWriteConflictError)) throw err;
          });
      }
      const current = await store.getState(scope, HEAD);
      try {
        await store.putState(scope, HEAD, { at, hash, chunks }, current?.version ?? 0);
      } catch (err) {
        // Another run saved the directory meanwhile: its list is as current as this one.
        if (!(err instanceof ConditionalWriteConflictError)) throw err;
      }
    },
    load: () => loadMembers(store, sourceId),
  };
}

/** The members the `github` source `sourceId` last saved (read only). */
export async function loadMembers(
  store: Pick<StateStore, 'getState'>,
  sourceId: string,
): Promise<{ at: string; members: Member[] } | undefined> {
  const scope = `MEMBERS#${sourceId}`;
  const stored = await store.getState(scope, HEAD);
  if (!stored) return undefined;
  const h = header.parse(stored.value);
  const members: Member[] = [];
  for (let i = 0; i < h.chunks; i++) {
    const part = await store.getState(scope, `L#${h.hash}#${i}`);
    if (!part) throw new Error(`member directory ${sourceId}: list ${h.hash} chunk ${i} is missing`);
    for (const [login, email, teams] of chunk.parse(part.value).members)
      members.push({ login, ...(email ? { email } : {}), teams });
  }
  return { at: h.at, members };
}

/** login → email of the members GitHub shows an email for. */
export function memberEmails(members: readonly Member[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of members) if (m.email) out.set(m.login.toLowerCase(), m.email.toLowerCase());
  return out;
}
