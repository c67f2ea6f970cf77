/**
 * The subset of Slack Block Kit burnwatch sends, typed here so core stays free of @slack/* imports,
 * with Slack's documented size limits checked before sending (a message over a limit is rejected
 * with `invalid_blocks`, which would otherwise surface only in production).
 */
export interface PlainText {
  readonly type: 'plain_text';
  readonly text: string;
  readonly emoji?: boolean;
}
export interface MrkdwnText {
  readonly type: 'mrkdwn';
  readonly text: string;
}
export type TextObject = PlainText | MrkdwnText;

export interface LinkButton {
  readonly type: 'button';
  readonly text: PlainText;
  readonly url: string;
  readonly action_id: string;
}

/** A button that sends a `block_actions` payload to the interactivity endpoint (no URL). */
export interface ActionButton {
  readonly type: 'button';
  readonly text: PlainText;
  readonly action_id: string;
  /** What the endpoint gets back (at most 2,000 characters). */
  readonly value: string;
  readonly style?: 'primary' | 'danger';
}

export type Button = LinkButton | ActionButton;
export const isLinkButton = (b: Button): b is LinkButton => 'url' in b;

export type Block =
  | { readonly type: 'header'; readonly text: PlainText }
  | { readonly type: 'section'; readonly text?: MrkdwnText; readonly fields?: readonly MrkdwnText[] }
  | { readonly type: 'context'; readonly elements: readonly TextObject[] }
  | { readonly type: 'divider' }
  | { readonly type: 'actions'; readonly elements: readonly Button[]; readonly block_id?: string };

/** A Slack message: `text` is the notification and screen-reader fallback, `blocks` the layout. */
export interface SlackMessage {
  readonly text: string;
  readonly blocks: readonly Block[];
}

/** Slack's published Block Kit limits. */
export const BLOCK_KIT_LIMITS = {
  blocksPerMessage: 50,
  headerText: 150,
  sectionText: 3000,
  sectionFields: 10,
  fieldText: 2000,
  contextElements: 10,
  actionsElements: 25,
  buttonText: 75,
  buttonUrl: 3000,
  actionId: 255,
  buttonValue: 2000,
  /** chat.postMessage truncates `text` beyond this. */
  messageText: 40_000,
} as const;

/** Cuts `text` to `max` characters, ending with an ellipsis when cut. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Escapes the three characters Slack mrkdwn treats as control characters. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Every limit a message breaks, as `path: problem` strings (empty = valid). */
export function blockKitProblems(message: SlackMessage): string[] {
  const L = BLOCK_KIT_LIMITS;
  const out: string[] = [];
  const tooLong = (path: string, text: string, max: number) => {
    if (text.length === 0) out.push(`${path}: must not be empty`);
    else if (text.length > max) out.push(`${path}: ${text.length} characters, limit ${max}`);
  };
  tooLong('text', message.text, L.messageText);
  if (message.blocks.length > L.blocksPerMessage)
    out.push(`blocks: ${message.blocks.length} blocks, limit ${L.blocksPerMessage}`);
  message.blocks.forEach((b, i) => {
    const p = `blocks[${i}]`;
    switch (b.type) {
      case 'header':
        tooLong(`${p}.text`, b.text.text, L.headerText);
        break;
      case 'section':
        if (!b.text && !b.fields?.length) out.push(`${p}: needs text or fields`);
        if (b.text) tooLong(`${p}.text`, b.text.text, L.sectionText);
        if ((b.fields?.length ?? 0) > L.sectionFields)
          out.push(`${p}.fields: ${b.fields?.length} fields, limit ${L.sectionFields}`);
        b.fields?.forEach((f, j) => {
          tooLong(`${p}.fields[${j}]`, f.text, L.fieldText);
        });
        break;
      case 'context':
        if (b.elements.length > L.contextElements)
          out.push(`${p}.elements: ${b.elements.length} elements, limit ${L.contextElements}`);
        b.elements.forEach((e, j) => {
          tooLong(`${p}.elements[${j}]`, e.text, L.sectionText);
        });
        break;
      case 'actions':
        if (b.elements.length > L.actionsElements)
          out.push(`${p}.elements: ${b.elements.length} elements, limit ${L.actionsElements}`);
        b.elements.forEach((e, j) => {
          tooLong(`${p}.elements[${j}].text`, e.text.text, L.buttonText);
          if (isLinkButton(e)) tooLong(`${p}.elements[${j}].url`, e.url, L.buttonUrl);
          else tooLong(`${p}.elements[${j}].value`, e.value, L.buttonValue);
        });
        break;
      case 'divider':
        break;
    }
  });
  return out;
}

export const mrkdwn = (text: string): MrkdwnText => ({ type: 'mrkdwn', text: truncate(text, 3000) });
export const plain = (text: string, max = 3000): PlainText => ({
  type: 'plain_text',
  text: truncate(text, max),
  emoji: true,
});
export const header = (text: string): Block => ({
  type: 'header',
  text: plain(text, BLOCK_KIT_LIMITS.headerText),
});
export const section = (text: string, fields?: readonly string[]): Block => ({
  type: 'section',
  text: mrkdwn(text),
  ...(fields?.length ? { fields: fields.slice(0, 10).map((f) => mrkdwn(truncate(f, 2000))) } : {}),
});
export const context = (...texts: string[]): Block => ({
  type: 'context',
  elements: texts.slice(0, 10).map((t) => mrkdwn(t)),
});
export const divider: Block = { type: 'divider' };

/**
 * The message cut down to Slack's limits: texts truncated, fields and elements capped, buttons with
 * over-long URLs dropped, and blocks beyond the limit folded into one "…N more" context line before
 * the last block (the footer). Composing runs this, so a notice that is recorded can always be sent.
 */
export function fitBlockKit(message: SlackMessage): SlackMessage {
  const L = BLOCK_KIT_LIMITS;
  const nonEmpty = (t: string, max: number) => truncate(t.length ? t : '—', max);
  const fitted = message.blocks.flatMap((b): Block[] => {
    switch (b.type) {
      case 'header':
        return [{ ...b, text: { ...b.text, text: nonEmpty(b.text.text, L.headerText) } }];
      case 'section': {
        const fields = b.fields
          ?.slice(0, L.sectionFields)
          .map((f) => ({ ...f, text: nonEmpty(f.text, L.fieldText) }));
        const text = b.text ? { ...b.text, text: nonEmpty(b.text.text, L.sectionText) } : undefined;
        if (!text && !fields?.length) return [];
        return [{ type: 'section', ...(text ? { text } : {}), ...(fields?.length ? { fields } : {}) }];
      }
      case 'context': {
        const elements = b.elements
          .slice(0, L.contextElements)
          .map((e) => ({ ...e, text: nonEmpty(e.text, L.sectionText) }));
        return elements.length ? [{ type: 'context', elements }] : [];
      }
      case 'actions': {
        const elements = b.elements
          .filter((e) => (isLinkButton(e) ? e.url.length <= L.buttonUrl : e.value.length <= L.buttonValue))
          .slice(0, L.actionsElements)
          .map((e) => ({
            ...e,
            text: { ...e.text, text: nonEmpty(e.text.text, L.buttonText) },
            action_id: truncate(e.action_id, L.actionId),
          }));
        // The block id is how the interactivity endpoint finds the buttons it replaces.
        return elements.length
          ? [{ type: 'actions', elements, ...(b.block_id ? { block_id: b.block_id } : {}) }]
          : [];
      }
      default:
        return [b];
    }
  });
  let blocks = fitted;
  if (blocks.length > L.blocksPerMessage) {
    const last = blocks.at(-1) as Block;
    const kept = blocks.slice(0, L.blocksPerMessage - 2);
    blocks = [
      ...kept,
      context(`…${fitted.length - kept.length - 1} more blocks left out (Slack's limit)`),
      last,
    ];
  }
  const out: SlackMessage = { text: nonEmpty(message.text, L.messageText), blocks };
  const problems = blockKitProblems(out);
  if (problems.length) throw new Error(`fitBlockKit left problems: ${problems.join('; ')}`);
  return out;
}
