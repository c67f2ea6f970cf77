/**
 * Slack's response URLs: https on hooks.slack.com (or the GovSlack host), nothing else. A signed
 * request names its own, but burnwatch still posts only there (defence in depth: a leaked signing
 * secret must not turn the function into a way to POST anywhere).
 */
export function isSlackResponseUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return (
      u.protocol === 'https:' && ['hooks.slack.com', 'hooks.slack-gov.com'].includes(u.hostname) && !u.port
    );
  } catch {
    return false;
  }
}
