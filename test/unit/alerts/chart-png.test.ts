import { describe, expect, it } from 'vitest';
import { createPngRenderer } from '../../../functions/adapters/chart-png/render-png.js';
import { renderBurnupSvg } from '../../../functions/core/chart/burnup-svg.js';
import { addDays } from '../../../functions/core/dates.js';
import { fiscalYearFromStart } from '../../../functions/core/fiscal-calendar.js';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const pngSize = (png: Uint8Array) => {
  const view = new DataView(png.buffer, png.byteOffset);
  return { width: view.getUint32(16), height: view.getUint32(20) };
};

describe('chart PNG renderer', () => {
  it('renders the burn-up SVG to a 2× PNG without a browser, text included', async () => {
    // Prepare
    const fy = fiscalYearFromStart('2026-01-01');
    const actual = Array.from({ length: 90 }, (_, i) => ({
      date: addDays(fy.start, i),
      cumulativeUsd: 3_000 * (i + 1),
    }));
    const band = Array.from({ length: 275 }, (_, i) => {
      const v = 270_000 + 3_000 * (i + 1);
      return { date: addDays(fy.start, 90 + i), p10: v * 0.9, p50: v, p90: v * 1.1 };
    });
    const svg = renderBurnupSvg({
      title: 'Payments — FY2026 burn-up',
      fiscalYear: fy,
      budgetUsd: 610_000,
      actual,
      band,
      exhaustion: { p10: '2026-04-20', p50: '2026-05-06', p90: '2026-05-20' },
    });
    const withoutText = svg.replace(/<text[^>]*>[^<]*<\/text>/g, '');
    const render = createPngRenderer();

    // Act
    const png = await render(svg);
    const blank = await render(withoutText);

    // Assess
    expect([...png.slice(0, 8)]).toEqual(PNG_SIGNATURE);
    expect(pngSize(png)).toEqual({ width: 1440, height: 720 });
    // Glyphs were drawn (a font was found): the image with text compresses to more bytes than without.
    expect(png.length).toBeGreaterThan(blank.length + 2_000);
  });

  it('names the problem when the SVG is not valid', async () => {
    // Act
    const err = await createPngRenderer()('<svg').catch((e: unknown) => e);

    // Assess
    expect(err).toMatchObject({ name: 'ChartRenderError', code: 'CHART_RENDER' });
  });
});
