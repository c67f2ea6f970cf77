import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyProposal, undoProposal } from '../../../functions/core/limits/apply.js';
import { startGitHubBudgetServer } from '../../fixtures/vendors/limit-servers.js';
import { useLocalDynamo } from '../../helpers/dynamo.js';
import { aCapCondition, LIMIT_KEYS, limitDepsFor, recordedProposal } from '../../helpers/limit-harness.js';

/**
 * GitHub user budgets are created by POST, which is not idempotent (review A, F2): however a create's
 * answer is lost, an engineer never ends up with two budgets, one of which Undo would leave behind as
 * a hard stop.
 */
const dynamo = useLocalDynamo();
let github: Awaited<ReturnType<typeof startGitHubBudgetServer>>;

beforeEach(async () => {
  github = await startGitHubBudgetServer({ org: 'acme', adminToken: LIMIT_KEYS['burnwatch/github-admin'] });
});
afterEach(async () => {
  await github?.close();
});

const catOverCap = aCapCondition(1_500, [{ user: 'cat@corp.com', monthUsd: 1_700, vendors: ['copilot'] }]);
const copilotAt = (baseUrl: string) => ({
  copilot: {
    organization: 'acme',
    adminSecretName: 'burnwatch/github-admin',
    baseUrl,
    logins: { 'cat@corp.com': 'cat-gh' },
  },
});
const catBudgets = () => github.budgets().filter((b) => b.budget_scope === 'user' && b.user === 'cat-gh');

/**
 * A loopback gateway in front of GitHub that forwards everything, except that `answer` may replace
 * GitHub's answer after forwarding (a load balancer timing out on a request GitHub did carry out) or
 * refuse a request before it gets there.
 */
async function startGateway(
  answer: (req: IncomingMessage, n: { posts: number }) => 'forward' | 'forward-then-502' | 'refuse-503',
) {
  const seen = { posts: 0 };
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => {
      raw += c.toString();
    });
    req.on('end', async () => {
      if (req.method === 'POST') seen.posts++;
      const what = answer(req, seen);
      if (what === 'refuse-503') return void res.writeHead(503).end('Service Unavailable');
      const upstream = await fetch(`${github.url}${req.url}`, {
        method: req.method ?? 'GET',
        headers: Object.fromEntries(
          Object.entries(req.headers).filter(([k]) =>
            ['authorization', 'content-type', 'accept'].includes(k),
          ),
        ) as Record<string, string>,
        ...(raw ? { body: raw } : {}),
      });
      const text = await upstream.text();
      if (what === 'forward-then-502') return void res.writeHead(502).end('Bad Gateway');
      res.writeHead(upstream.status, { 'content-type': 'application/json' }).end(text);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe('GitHub user budgets', () => {
  it('Approve again after a failed read-back keeps one budget, and Undo removes it', async () => {
    // Prepare: GitHub creates cat's budget, then listing budgets (the read-back) fails.
    const { store } = await dynamo.newStore();
    const deps = limitDepsFor(store, copilotAt(github.url));
    const proposal = await recordedProposal(deps, catOverCap);
    github.setFault((c) => (c.method === 'GET' && github.writes().length > 0 ? 503 : undefined));
    await applyProposal(deps, 'payments', proposal.id, 'UCFO');
    github.setFault(undefined);

    // Act: Approve again (what the summary tells the approver to do), then Undo.
    const retry = await applyProposal(deps, 'payments', proposal.id, 'UCFO');
    const afterRetry = catBudgets();
    const undone = await undoProposal(deps, 'payments', proposal.id, 'UCFO');

    // Assess
    expect(retry.outcome).toBe('applied');
    expect(afterRetry).toHaveLength(1);
    expect(undone.outcome).toBe('undone');
    expect(github.budgetOf('cat-gh')).toBeUndefined();
  });

  it('a create GitHub carried out but answered with a 502 is found by listing, not POSTed again', async () => {
    // Prepare: the first budget POST reaches GitHub, but its answer is a gateway's 502.
    const gateway = await startGateway((req, n) =>
      req.method === 'POST' && n.posts === 1 ? 'forward-then-502' : 'forward',
    );
    try {
      const { store } = await dynamo.newStore();
      const deps = limitDepsFor(store, copilotAt(gateway.url));
      const proposal = await recordedProposal(deps, catOverCap);

      // Act: one press of Approve.
      const applied = await applyProposal(deps, 'payments', proposal.id, 'UCFO');

      // Assess
      expect(applied.outcome).toBe('applied');
      expect(catBudgets()).toEqual([expect.objectContaining({ budget_amount: 1_500 })]);
      expect(applied.proposal?.items[0]?.ref).toBe(catBudgets()[0]?.id);
    } finally {
      await gateway.close();
    }
  });

  it('Approve again after a lost create answer and a failed listing updates the budget GitHub made', async () => {
    // Prepare: the create's answer is lost and the listing that would find it is down, so the first
    // press ends "not applied" with no id; then GitHub answers again.
    let listingDown = false;
    const gateway = await startGateway((req, n) => {
      if (req.method === 'POST' && n.posts === 1) {
        listingDown = true;
        return 'forward-then-502';
      }
      return req.method === 'GET' && listingDown ? 'refuse-503' : 'forward';
    });
    try {
      const { store } = await dynamo.newStore();
      const deps = limitDepsFor(store, copilotAt(gateway.url));
      const proposal = await recordedProposal(deps, catOverCap);
      const first = await applyProposal(deps, 'payments', proposal.id, 'UCFO');
      listingDown = false;

      // Act
      const retry = await applyProposal(deps, 'payments', proposal.id, 'UCFO');

      // Assess: one budget for cat, at the cap, and burnwatch holds its id (so Undo removes it).
      expect(first.outcome).toBe('failed');
      expect(retry.outcome).toBe('applied');
      expect(catBudgets()).toEqual([expect.objectContaining({ budget_amount: 1_500 })]);
      expect(retry.proposal?.items[0]?.ref).toBe(catBudgets()[0]?.id);
    } finally {
      await gateway.close();
    }
  });
});
