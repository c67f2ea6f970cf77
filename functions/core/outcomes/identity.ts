import type { IdentitiesConfig } from '../config/schema.js';
import type { Identities } from '../usage.js';

/**
 * One identity per person across vendors. Vendors name people differently: Cursor and Claude Code by
 * email, GitHub (pull requests, Copilot) by login. A person is known by one canonical email; every
 * other name of them resolves to it by, in order:
 *
 * 1. `identities.people[]`: an email with the person's GitHub logins and aliases (other emails,
 *    vendor user ids);
 * 2. `identities.githubLoginRules[]`: a login pattern and the email it stands for
 *    (`*_acme` → `{1}@acme.example`, as Enterprise Managed Users' logins are made);
 * 3. GitHub's member emails, where the organization (and the member) shows them (the `github`
 *    source's member directory).
 *
 * A login none of these names stays a person of its own (`github:login`), is counted once, and is
 * reported as an unmatched identity, like spend no attribution rule matched: someone can add it.
 */
export interface Person {
  /** The canonical email, lower case; `github:{login}` when the login could not be resolved. */
  readonly key: string;
  /** False when only the vendor's own id is known (an unmatched identity). */
  readonly resolved: boolean;
}

export interface IdentityResolver {
  /** The person a line is about (its `userEmail` or `githubLogin`), or undefined for no person. */
  personOf(identities: Identities): Person | undefined;
  /** The email of a GitHub login, when anything above names one. */
  emailOfLogin(login: string): string | undefined;
}

/** A compiled `*` pattern that returns what each `*` matched, or undefined on no match. */
function capturePattern(pattern: string): (value: string) => string[] | undefined {
  const escaped = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('(.*)');
  const re = new RegExp(`^${escaped}$`, 'i');
  return (value) => {
    const m = re.exec(value);
    return m ? m.slice(1) : undefined;
  };
}

/**
 * The resolver of a config's identities, with GitHub's member emails (login → email, from the
 * `github` source's member directory) where known. Pure: the same inputs, the same people.
 */
export function createIdentityResolver(
  config: IdentitiesConfig,
  memberEmails: ReadonlyMap<string, string> = new Map(),
): IdentityResolver {
  const byAlias = new Map<string, string>();
  const byLogin = new Map<string, string>();
  for (const p of config.people) {
    const email = p.email.toLowerCase();
    for (const a of p.aliases) byAlias.set(a.toLowerCase(), email);
    for (const l of p.githubLogins) byLogin.set(l.toLowerCase(), email);
  }
  const rules = config.githubLoginRules.map((r) => ({
    match: capturePattern(r.githubLogin),
    email: r.email,
  }));
  const github = new Map<string, string>();
  for (const [login, email] of memberEmails) github.set(login.toLowerCase(), email.toLowerCase());

  const emailOfLogin = (login: string): string | undefined => {
    const l = login.toLowerCase();
    const listed = byLogin.get(l);
    if (listed) return listed;
    for (const r of rules) {
      const groups = r.match(l);
      if (groups) {
        const ruleEmail = r.email
          .replace(/\{(\d)\}/g, (_, n: string) => groups[Number(n) - 1] ?? '')
          .toLowerCase();
        // A rule's email may be a person's alias, as a member email may be: the same person either way.
        return byAlias.get(ruleEmail) ?? ruleEmail;
      }
    }
    const shown = github.get(l);
    return shown ? (byAlias.get(shown) ?? shown) : undefined;
  };

  return {
    emailOfLogin,
    personOf(identities) {
      const email = identities.userEmail?.trim().toLowerCase();
      if (email) return { key: byAlias.get(email) ?? email, resolved: true };
      const login = identities.githubLogin?.trim();
      if (!login) return undefined;
      const resolved = emailOfLogin(login);
      return resolved
        ? { key: resolved, resolved: true }
        : { key: `github:${login.toLowerCase()}`, resolved: false };
    },
  };
}
