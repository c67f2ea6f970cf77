import { type Block, isLinkButton, type SlackMessage, type TextObject } from './block-kit.js';

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * Slack mrkdwn → HTML for previews: `*bold*`, `_italic_`, `` `code` ``, `<url|label>` and newlines.
 * Input is mrkdwn as we write it (already escaped for Slack), so entities are decoded first (links parked as private-use placeholders), then
 * everything is escaped again for HTML before markup is added.
 */
export function mrkdwnToHtml(text: string): string {
  const links: string[] = [];
  const decoded = text
    .replace(/<(https?:[^|>]+)\|([^>]+)>/g, (_m, url: string, label: string) => {
      links.push(`<a href="${esc(url)}">${esc(label)}</a>`);
      return `\uE000${links.length - 1}\uE001`;
    })
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
  return esc(decoded)
    .replace(/`([^`\n]+)`/g, '<code>$1</code>')
    .replace(/(^|[\s(])\*([^*\n]+)\*/g, '$1<strong>$2</strong>')
    .replace(/(^|[\s(])_([^_\n]+)_/g, '$1<em>$2</em>')
    .replace(/\uE000(\d+)\uE001/g, (_m, i: string) => links[Number(i)] ?? '')
    .replace(/\n/g, '<br>');
}

const textHtml = (t: TextObject) => (t.type === 'mrkdwn' ? mrkdwnToHtml(t.text) : esc(t.text));

function blockHtml(b: Block): string {
  switch (b.type) {
    case 'header':
      return `<div class="bk-header">${esc(b.text.text)}</div>`;
    case 'section': {
      const text = b.text ? `<div class="bk-text">${textHtml(b.text)}</div>` : '';
      const fields = b.fields?.length
        ? `<div class="bk-fields">${b.fields.map((f) => `<div>${textHtml(f)}</div>`).join('')}</div>`
        : '';
      return `<div class="bk-section">${text}${fields}</div>`;
    }
    case 'context':
      return `<div class="bk-context">${b.elements.map(textHtml).join(' ')}</div>`;
    case 'divider':
      return '<hr class="bk-divider">';
    case 'actions':
      return `<div class="bk-actions">${b.elements
        .map((e) =>
          isLinkButton(e)
            ? `<a class="bk-button" href="${esc(e.url)}">${esc(e.text.text)}</a>`
            : `<span class="bk-button bk-action">${esc(e.text.text)}</span>`,
        )
        .join('')}</div>`;
  }
}

/** Styles for `renderSlackMessageHtml` output; include once per page. */
export const BLOCK_KIT_CSS = `
.bk-message{font:15px/1.45 -apple-system,Segoe UI,Helvetica,Arial,sans-serif;color:#1d1c1d;border:1px solid #ddd;border-radius:8px;padding:12px 16px;margin:12px 0;max-width:760px;background:#fff}
.bk-meta{font-size:12px;color:#616061;margin-bottom:6px}
.bk-header{font-weight:700;font-size:18px;margin:4px 0 8px}
.bk-section{margin:6px 0}
.bk-fields{display:grid;grid-template-columns:1fr 1fr;gap:6px 16px;margin-top:6px}
.bk-context{font-size:12px;color:#616061;margin:8px 0 2px}
.bk-actions{display:flex;flex-wrap:wrap;gap:8px;margin:8px 0}
.bk-button{border:1px solid #bbb;border-radius:4px;padding:3px 10px;color:#1d1c1d;text-decoration:none;font-size:13px;font-weight:600}
.bk-divider{border:0;border-top:1px solid #eee}
.bk-message code{background:#f4f4f4;border:1px solid #e6e6e6;border-radius:3px;padding:0 3px;font-size:13px}
.bk-chart{max-width:100%;border:1px solid #eee;border-radius:4px;margin-top:8px}
.bk-dot{display:inline-block;width:.8em;height:.8em;border-radius:50%;vertical-align:-.05em;margin-right:.2em}
`;

/**
 * A Slack message as simple HTML, the way it would look in the channel: for the demo report and
 * for runs without a Slack token. `chartSrc` (a data: URI or file name) shows the chart PNG that
 * would be uploaded into the thread.
 *
 * @example
 * html += renderSlackMessageHtml(notice.messages.channel, { meta: '#finance', chartSrc: pngDataUri(png) });
 */
export function renderSlackMessageHtml(
  message: SlackMessage,
  opts: { meta?: string; chartSrc?: string; chartAlt?: string } = {},
): string {
  const meta = opts.meta ? `<div class="bk-meta">${esc(opts.meta)}</div>` : '';
  const chart = opts.chartSrc
    ? `<img class="bk-chart" src="${esc(opts.chartSrc)}" alt="${esc(opts.chartAlt ?? 'burn-up chart')}">`
    : '';
  return `<div class="bk-message">${meta}${withoutEmoji(message.blocks.map(blockHtml).join(''))}${chart}</div>`;
}

/** The status emoji our messages use, drawn as CSS dots: a page must not need an emoji font. */
const DOTS: Record<string, string> = {
  '🔴': '#b3261e',
  '🟠': '#e8710a',
  '🟢': '#1e7b34',
  '✅': '#1e7b34',
  '⚪': '#9aa0a6',
};
function withoutEmoji(html: string): string {
  return html.replace(
    /🔴|🟠|🟢|✅|⚪/gu,
    (e) => `<span class="bk-dot" style="background:${DOTS[e] ?? '#9aa0a6'}"></span>`,
  );
}

/** PNG bytes as a data: URI for a self-contained HTML file. */
export function pngDataUri(png: Uint8Array): string {
  return `data:image/png;base64,${Buffer.from(png).toString('base64')}`;
}

/** What `renderNoticesHtml` needs of a notice (a `NoticeOutcome` fits). */
export interface NoticePreview {
  readonly id: string;
  readonly messages: { readonly channel: SlackMessage; readonly private?: SlackMessage };
  readonly chartPng?: Uint8Array;
  readonly deliveries: ReadonlyArray<{ readonly target: string; readonly status: string }>;
}

/**
 * Alerts as they would look in Slack, as an HTML fragment (include `BLOCK_KIT_CSS` once): one card
 * per message and audience, labelled with its destinations, with the chart inline as a data: URI.
 * Per-person (private) messages are left out unless `includePrivate` is set: a report file may be
 * shared more widely than the people config.privacy allows.
 */
export function renderNoticesHtml(
  notices: readonly NoticePreview[],
  opts: { includePrivate?: boolean } = {},
): string {
  if (notices.length === 0) return '<p class="bk-none">No alerts: every team is within its thresholds.</p>';
  const parts: string[] = [];
  for (const n of notices) {
    const channelTargets = n.deliveries.filter((d) => !d.target.startsWith('slack-dm:')).map((d) => d.target);
    parts.push(
      renderSlackMessageHtml(n.messages.channel, {
        meta: channelTargets.length ? `to ${channelTargets.join(', ')}` : 'no destination configured',
        ...(n.chartPng ? { chartSrc: pngDataUri(n.chartPng) } : {}),
      }),
    );
    if (opts.includePrivate && n.messages.private) {
      const dms = n.deliveries.filter((d) => d.target.startsWith('slack-dm:')).map((d) => d.target);
      parts.push(renderSlackMessageHtml(n.messages.private, { meta: `private: ${dms.join(', ')}` }));
    }
  }
  return parts.join('\n');
}
