import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { initWasm, Resvg } from '@resvg/resvg-wasm';

/** An SVG could not be rendered to PNG (bad SVG, missing wasm or font file). */
export class ChartRenderError extends Error {
  override readonly name = 'ChartRenderError';
  readonly code = 'CHART_RENDER';
}

export interface PngRendererOptions {
  /** Path of resvg's wasm; defaults to the one in node_modules/@resvg/resvg-wasm. */
  readonly wasmPath?: string;
  /** TrueType/OpenType files to render text with; resvg-wasm has no system fonts. Defaults to DejaVu Sans. */
  readonly fontPaths?: readonly string[];
  /** Output width in pixels (height keeps the aspect ratio); defaults to 2× the SVG width for crisp Slack previews. */
  readonly width?: number;
}

const require = createRequire(import.meta.url);

/** Resolved lazily so a Lambda bundle can pass explicit paths instead. */
function defaultWasmPath(): string {
  return require.resolve('@resvg/resvg-wasm/index_bg.wasm');
}

function defaultFontPaths(): string[] {
  return [require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf')];
}

// initWasm may run only once per process; every renderer shares the one initialisation.
let wasmReady: Promise<void> | undefined;

function ensureWasm(path: string): Promise<void> {
  wasmReady ??= readFile(path).then((bytes) => initWasm(bytes));
  return wasmReady.catch((err: unknown) => {
    wasmReady = undefined;
    throw new ChartRenderError(`could not load resvg wasm from ${path}`, { cause: err });
  });
}

/** Renders SVG to PNG bytes. */
export type RenderPng = (svg: string) => Promise<Uint8Array>;

/**
 * SVG → PNG without a browser (resvg compiled to wasm), for the burn-up chart attached to Slack alerts
 * and embedded in the demo report. Fonts are loaded once and passed as buffers.
 *
 * @example
 * const toPng = createPngRenderer();
 * const png = await toPng(renderBurnupSvg(chartInput));
 */
export function createPngRenderer(opts: PngRendererOptions = {}): RenderPng {
  let fonts: Promise<Uint8Array[]> | undefined;
  return async (svg) => {
    await ensureWasm(opts.wasmPath ?? defaultWasmPath());
    const paths = opts.fontPaths ?? defaultFontPaths();
    fonts ??= Promise.all(paths.map(async (p) => new Uint8Array(await readFile(p))));
    let fontBuffers: Uint8Array[];
    try {
      fontBuffers = await fonts;
    } catch (err) {
      fonts = undefined;
      throw new ChartRenderError(`could not read chart font file(s) ${paths.join(', ')}`, { cause: err });
    }
    try {
      const resvg = new Resvg(svg, {
        font: { fontBuffers, loadSystemFonts: false, defaultFontFamily: 'DejaVu Sans' },
        fitTo: opts.width ? { mode: 'width', value: opts.width } : { mode: 'zoom', value: 2 },
        background: '#ffffff',
      });
      const image = resvg.render();
      const png = image.asPng();
      image.free();
      resvg.free();
      return png;
    } catch (err) {
      throw new ChartRenderError('the chart SVG could not be rendered to PNG', { cause: err });
    }
  };
}
