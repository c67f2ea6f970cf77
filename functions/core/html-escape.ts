/** Text made safe inside HTML/SVG elements and double-quoted attributes (the report, charts, previews). */
export const escapeHtml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
