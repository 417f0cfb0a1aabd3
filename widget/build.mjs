// Builds the widget into service/static/widget/: widget.js and widget.css (short cache) plus
// content-hashed copies (immutable) and manifest.json with the file names and SRI hashes.
// Deterministic: same sources + same esbuild version (package-lock.json) => same bytes.
// Usage: node build.mjs [--out DIR]
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const outArg = process.argv.indexOf('--out');
const out = resolve(outArg > 0 ? process.argv[outArg + 1] : join(here, '..', 'service', 'static', 'widget'));
const pkg = JSON.parse(readFileSync(join(here, 'package.json'), 'utf8'));

const digest = (buf) => createHash('sha256').update(buf).digest('hex').slice(0, 12);
const sri = (buf) => `sha384-${createHash('sha384').update(buf).digest('base64')}`;
// Files the widget fetches only when a page needs them are pinned by SHA-256 (also a standard SRI
// algorithm): each hash the first load carries costs bytes of its size budget.
const sri256 = (buf) => `sha256-${createHash('sha256').update(buf).digest('base64')}`;
const target = ['chrome100', 'firefox100', 'safari15.4', 'edge100'];

/** A stylesheet (minified) of one entry file, as bytes. */
const style = async (entry) =>
  (
    await esbuild.build({
      entryPoints: [join(here, 'src', entry)],
      bundle: true,
      minify: true,
      write: false,
      target,
      logLevel: 'warning',
    })
  ).outputFiles[0].contents;

const css = await style('widget.css');
const cssName = `widget.${digest(css)}.css`;

/** A script bundle (IIFE, minified) of one entry file, as bytes. */
const script = async (entry, label, define = {}) =>
  (
    await esbuild.build({
      entryPoints: [join(here, 'src', entry)],
      bundle: true,
      minify: true,
      format: 'iife',
      write: false,
      target,
      legalComments: 'none',
      charset: 'utf8',
      define,
      banner: { js: `/*! Lupa widget ${pkg.version}${label} | MIT */` },
      logLevel: 'warning',
    })
  ).outputFiles[0].contents;

// Lupa.subscribe's sender, fetched by the widget only on a page that uses it.
const sub = await script('subscribe.js', ' subscribe');
const subName = `widget-subscribe.${digest(sub)}.js`;

// Contextual consent for embeds (iframe[data-lupa-src]) and its stylesheet, fetched by the
// widget only on a page that has such an iframe.
const embCss = await style('embeds.css');
const embCssName = `widget-embeds.${digest(embCss)}.css`;
const emb = await script('embeds.js', ' embeds', {
  __EMB_CSS__: JSON.stringify(embCssName),
  __EMB_CSS_SRI__: JSON.stringify(sri(embCss)),
});
const embName = `widget-embeds.${digest(emb)}.js`;

const js = await script('index.js', '', {
  __CSS_FILE__: JSON.stringify(cssName),
  __CSS_SRI__: JSON.stringify(sri(css)),
  __SUB_FILE__: JSON.stringify(subName),
  __SUB_SRI__: JSON.stringify(sri256(sub)),
  __EMB_FILE__: JSON.stringify(embName),
  __EMB_SRI__: JSON.stringify(sri256(emb)),
});
const jsName = `widget.${digest(js)}.js`;

mkdirSync(out, { recursive: true });
for (const f of readdirSync(out)) if (/^widget[.-].*\.(js|css)$|^manifest\.json$/.test(f)) rmSync(join(out, f));
const files = {
  'widget.js': js,
  [jsName]: js,
  'widget.css': css,
  [cssName]: css,
  [subName]: sub,
  [embName]: emb,
  [embCssName]: embCss,
};
for (const [name, buf] of Object.entries(files)) writeFileSync(join(out, name), buf);
const manifest = {
  version: pkg.version,
  esbuild: esbuild.version,
  js: { file: jsName, integrity: sri(js), bytes: js.length },
  css: { file: cssName, integrity: sri(css), bytes: css.length },
  subscribe: { file: subName, integrity: sri256(sub), bytes: sub.length },
  embeds: { file: embName, integrity: sri256(emb), bytes: emb.length },
  embeds_css: { file: embCssName, integrity: sri(embCss), bytes: embCss.length },
};
writeFileSync(join(out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
console.log(`${jsName} ${js.length} B, ${cssName} ${css.length} B -> ${out}`);

// The README publishes the current file name and SRI hash (a test keeps them in step).
if (outArg < 0) {
  const readme = join(here, '..', 'README.md');
  const text = readFileSync(readme, 'utf8');
  const updated = text.replace(
    /(<script src="https:\/\/[^"]*\/)widget\.[0-9a-f]+\.js" integrity="[^"]*"/,
    `$1${jsName}" integrity="${manifest.js.integrity}"`,
  );
  if (updated !== text) writeFileSync(readme, updated);
}
