// Opens the pages thumbgen --html wrote in Debian's Chromium, headless, from file://, and checks
// them as a person's browser would show them (cmd/tests/test_cli_gallery.c runs it):
//   - every page reached from DIR/index.html by its links: every <img> loads (naturalWidth > 0,
//     its width and height attributes its natural size), no request leaves DIR, no console or
//     page error, every link resolves to a file (pages, thumbnails and originals);
//   - --quadrants NAME,...: on the top page, a screenshot shows each named thumbnail's quadrant
//     colours (testdata's picture: red, green / blue, yellow) where the thumbnail is;
//   - every image that carries a placeholder (--placeholder) has it taken away once it has loaded;
//   - --placeholders REFS: on the top page, with every image's request held unanswered (the
//     images loading, as on a slow network: only the placeholders show), each image's box that
//     carries one (thumbnails and covers) shows at its centre what the reference packages
//     (REFS/node_modules: thumbhash's thumbHashToRGBA, blurhash's decode) decode its hash to, and
//     with scripts off its average colour (thumbHashToAverageRGBA, BlurHash's DC term); neither
//     the page's nor the tile's background; no console error.
// Also, for people: --shot FILE [--page REL] [--width PX] [--dark] takes a full-page screenshot;
// --bench prints the top page's time to first paint and to every image loaded.
// Prints one JSON line of what it saw; exits 1 with a line per problem on stderr.
'use strict';
const fs = require('fs');
const path = require('path');
const url = require('url');
const puppeteer = require('puppeteer-core');

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i < 0 ? dflt : args[i + 1];
};
const flag = name => args.includes(name);
const dir = args[0];
if (!dir) {
  console.error('usage: check.js DIR [--quadrants A,B] [--shot FILE --page REL --width PX --dark] [--bench]');
  process.exit(2);
}
const root = fs.realpathSync(dir);
const rootUrl = url.pathToFileURL(root + '/').href;
const problems = [];
const say = p => problems.push(p);

// testdata/make-testdata.sh's picture: where to look in each quadrant (clear of the black F at
// the top left, which reaches from 1/12 to about 1/3 of the width) and the colour there.
const QUADRANTS = [
  {name: 'red', at: [0.42, 0.25], rgb: [210, 50, 40]},
  {name: 'green', at: [0.75, 0.25], rgb: [60, 170, 70]},
  {name: 'blue', at: [0.25, 0.75], rgb: [50, 80, 200]},
  {name: 'yellow', at: [0.75, 0.75], rgb: [230, 210, 60]},
];

// how: {holdImages: answer no image request, noScript: scripts off}.
async function openPage(browser, pageUrl, width, dark, how = {}) {
  const page = await browser.newPage();
  await page.setViewport({width, height: 900});
  if (dark)
    await page.emulateMediaFeatures([{name: 'prefers-color-scheme', value: 'dark'}]);
  if (how.noScript)
    await page.setJavaScriptEnabled(false);
  await page.setRequestInterception(true);
  page.on('request', r => {
    const u = r.url();
    if (u.startsWith('data:')) {
      r.continue(); // (a placeholder painted by the page's script)
    } else if (!u.startsWith(rootUrl)) {
      say(`${pageUrl}: a request leaves the gallery: ${u}`);
      r.abort();
    } else if (how.holdImages && r.resourceType() === 'image') {
      // (left unanswered: the image stays loading until the page is closed)
    } else {
      r.continue();
    }
  });
  page.on('console', m => {
    if (m.type() === 'error')
      say(`${pageUrl}: console error: ${m.text()}`);
  });
  page.on('pageerror', e => say(`${pageUrl}: page error: ${e.message}`));
  await page.goto(pageUrl, {waitUntil: how.holdImages ? 'domcontentloaded' : 'load'});
  return page;
}

// Brings every image into view in turn (they load lazily) and waits for it; what each is.
async function loadImages(page) {
  return page.evaluate(async () => {
    const out = [];
    for (const img of Array.from(document.images)) {
      img.scrollIntoView({block: 'center'});
      await new Promise(resolve => {
        if (img.complete && img.naturalWidth > 0)
          return resolve();
        img.addEventListener('load', resolve, {once: true});
        img.addEventListener('error', resolve, {once: true});
        setTimeout(resolve, 5000);
      });
      out.push({src: img.src, alt: img.alt, natural: [img.naturalWidth, img.naturalHeight],
                attr: [Number(img.getAttribute('width')), Number(img.getAttribute('height'))],
                lazy: img.loading});
    }
    window.scrollTo(0, 0);
    return out;
  });
}

function checkLinks(pageUrl, links, queue, seen) {
  for (const l of links) {
    const u = new URL(l);
    if (u.protocol !== 'file:') {
      say(`${pageUrl}: a link leaves the machine: ${l}`);
      continue;
    }
    const file = url.fileURLToPath(u);
    if (!fs.existsSync(file))
      say(`${pageUrl}: a link resolves to nothing: ${l}`);
    else if (l.startsWith(rootUrl) && l.endsWith('/index.html') && !seen.has(l)) {
      seen.add(l);
      queue.push(l);
    }
  }
}

// The mean colour of the 5x5 pixels around each point of a PNG screenshot, decoded by the browser.
async function pixels(browser, png, points) {
  const page = await browser.newPage();
  const got = await page.evaluate(async (b64, pts) => {
    const img = new Image();
    img.src = 'data:image/png;base64,' + b64;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.naturalWidth;
    c.height = img.naturalHeight;
    const ctx = c.getContext('2d');
    ctx.drawImage(img, 0, 0);
    return pts.map(([x, y]) => {
      const d = ctx.getImageData(Math.round(x) - 2, Math.round(y) - 2, 5, 5).data;
      const m = [0, 0, 0];
      for (let i = 0; i < d.length; i += 4)
        for (let k = 0; k < 3; k++)
          m[k] += d[i + k] / 25;
      return m.map(Math.round);
    });
  }, png.toString('base64'), points);
  await page.close();
  return got;
}

async function quadrants(browser, page, names) {
  const seen = [];
  for (const name of names) {
    const r = await page.evaluate(alt => {
      const img = Array.from(document.images).find(i => i.alt === alt);
      if (!img)
        return null;
      img.scrollIntoView({block: 'center'});
      const b = img.getBoundingClientRect();
      return {x: b.x, y: b.y, w: b.width, h: b.height, loaded: img.complete && img.naturalWidth > 0};
    }, name);
    if (r === null || !r.loaded) {
      say(`top page: no loaded thumbnail with alt "${name}"`);
      continue;
    }
    const png = await page.screenshot({type: 'png'});
    const pts = QUADRANTS.map(q => [r.x + q.at[0] * r.w, r.y + q.at[1] * r.h]);
    const got = await pixels(browser, png, pts);
    QUADRANTS.forEach((q, i) => {
      const off = Math.max(...q.rgb.map((v, k) => Math.abs(v - got[i][k])));
      if (off > 45)
        say(`top page: ${name}: the ${q.name} quadrant shows rgb(${got[i]}), not about rgb(${q.rgb})`);
    });
    seen.push({name, rect: r, colours: got});
  }
  return seen;
}

const dist = (a, b) => Math.max(...a.map((v, k) => Math.abs(v - b[k])));

// The colour at the centre of a w x h RGBA picture stretched over a box (bilinear, as a browser
// scales a background).
function centre(rgba, w, h) {
  const x = w / 2 - 0.5, y = h / 2 - 0.5, x0 = Math.floor(x), y0 = Math.floor(y);
  const at = (i, j, k) => rgba[4 * (Math.min(h - 1, j) * w + Math.min(w - 1, i)) + k];
  return [0, 1, 2].map(k => {
    const fx = x - x0, fy = y - y0;
    return Math.round((1 - fy) * ((1 - fx) * at(x0, y0, k) + fx * at(x0 + 1, y0, k)) +
                      fy * ((1 - fx) * at(x0, y0 + 1, k) + fx * at(x0 + 1, y0 + 1, k)));
  });
}

// What the references make of a hash: {painted: the decoded picture's centre, average: [r, g,
// b] or null when it is not opaque}.
async function reference(refs, kind, hash, width, height) {
  if (kind === 'thumbhash') {
    const th = await import(url.pathToFileURL(path.join(refs, 'node_modules/thumbhash/thumbhash.js')).href);
    const bytes = new Uint8Array(Buffer.from(hash, 'base64'));
    const {w, h, rgba} = th.thumbHashToRGBA(bytes);
    const a = th.thumbHashToAverageRGBA(bytes);
    return {painted: centre(rgba, w, h), average: a.a < 1 ? null : [a.r, a.g, a.b].map(v => Math.round(255 * v))};
  }
  const bh = require(path.join(refs, 'node_modules/blurhash'));
  const w = width >= height ? 32 : Math.max(1, Math.round(32 * width / height));
  const h = width >= height ? Math.max(1, Math.round(32 * height / width)) : 32;
  const Z = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~';
  const dc = [...hash.slice(2, 6)].reduce((v, c) => v * 83 + Z.indexOf(c), 0);
  return {painted: centre(bh.decode(hash, w, h), w, h), average: [dc >> 16, dc >> 8 & 255, dc & 255]};
}

// The top page with its images loading, scripts on and off (see the top).
async function placeholders(browser, refs) {
  const seen = [];
  for (const noScript of [false, true]) {
    const pageUrl = rootUrl + 'index.html';
    const page = await openPage(browser, pageUrl, 1280, false, {holdImages: true, noScript});
    const imgs = await page.$$('img[data-thumbhash],img[data-blurhash]');
    if (imgs.length === 0)
      say('top page: no image carries a placeholder');
    const [bg, tile] = await page.$eval('.t', t => [document.body, t].map(e => getComputedStyle(e).backgroundColor));
    const rgb = c => c.match(/\d+/g).slice(0, 3).map(Number);
    for (const img of imgs) {
      const [alt, kind, hash, width, height] = await img.evaluate(i => [
        i.alt || i.getAttribute('src'), i.dataset.thumbhash ? 'thumbhash' : 'blurhash', i.dataset.thumbhash || i.dataset.blurhash,
        Number(i.getAttribute('width')), Number(i.getAttribute('height'))]);
      await img.scrollIntoView();
      if (!noScript) // the script paints it once it nears the viewport
        await page.waitForFunction(i => i.style.backgroundImage.startsWith('url('), {timeout: 5000}, img)
          .catch(() => say(`top page: ${alt}: no placeholder painted`));
      const box = await img.boundingBox();
      if (box === null || box.width < 4 || box.height < 4) {
        say(`top page: ${alt}: no box to paint on while it loads`);
        continue;
      }
      const png = await page.screenshot({type: 'png'});
      const [got] = await pixels(browser, png, [[box.x + box.width / 2, box.y + box.height / 2]]);
      const ref = await reference(refs, kind, hash, width, height);
      const want = noScript ? ref.average : ref.painted;
      const what = noScript ? 'its average colour' : `the reference's decoding of its ${kind}`;
      if (want !== null && dist(got, want) > (noScript ? 8 : 16))
        say(`top page${noScript ? ', scripts off' : ''}: ${alt}: the centre of its box shows rgb(${got}), not ${what}, rgb(${want})`);
      for (const [name, c] of [['page', bg], ['tile', tile]])
        if (dist(got, rgb(c)) < 24)
          say(`top page${noScript ? ', scripts off' : ''}: ${alt}: the centre of its box shows the ${name}'s background, rgb(${got})`);
      seen.push({alt, kind, script: !noScript, got, want});
    }
    await page.close();
  }
  return seen;
}

async function bench(browser) {
  const t0 = Date.now();
  const page = await openPage(browser, rootUrl + 'index.html', 1280, false);
  const loadMs = Date.now() - t0;
  const paint = await page.evaluate(() =>
    performance.getEntriesByType('paint').map(e => [e.name, Math.round(e.startTime)]));
  const t1 = Date.now();
  const imgs = await loadImages(page);
  const allMs = loadMs + (Date.now() - t1);
  const html = fs.statSync(path.join(root, 'index.html')).size;
  return {paint: Object.fromEntries(paint), load_event_ms: loadMs, all_images_loaded_ms: allMs,
          images: imgs.length, broken: imgs.filter(i => i.natural[0] === 0).length,
          html_bytes: html, html_bytes_per_image: Math.round(html / Math.max(1, imgs.length))};
}

(async () => {
  const browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--font-render-hinting=none'],
  });
  try {
    if (flag('--bench')) {
      console.log(JSON.stringify(await bench(browser)));
      return;
    }
    if (opt('--shot')) {
      const page = await openPage(browser, rootUrl + opt('--page', 'index.html'),
                                  Number(opt('--width', '1280')), flag('--dark'));
      await loadImages(page);
      await page.screenshot({path: opt('--shot'), fullPage: true});
      return;
    }
    const queue = [rootUrl + 'index.html'], seen = new Set(queue);
    const report = {pages: 0, images: 0, links: 0, quadrants: []};
    for (let i = 0; i < queue.length; i++) {
      const pageUrl = queue[i];
      const page = await openPage(browser, pageUrl, 1280, false);
      const imgs = await loadImages(page);
      for (const img of imgs) {
        if (img.natural[0] === 0)
          say(`${pageUrl}: an image did not load: ${img.src}`);
        else if (img.attr[0] !== img.natural[0] || img.attr[1] !== img.natural[1])
          say(`${pageUrl}: ${img.src}: width and height say ${img.attr}, the image is ${img.natural}`);
        if (img.lazy !== 'lazy')
          say(`${pageUrl}: ${img.src} does not load lazily`);
      }
      // (an image is complete a moment before its load event takes the placeholder away)
      const painted = 'img[data-thumbhash],img[data-blurhash]';
      await page.waitForFunction(sel => Array.from(document.querySelectorAll(sel))
        .every(i => i.naturalWidth === 0 || (i.style.backgroundImage === '' &&
                                             i.style.backgroundColor === '')), {timeout: 5000}, painted)
        .catch(async () => say(`${pageUrl}: a placeholder stays once its image has loaded: ` +
          await page.$$eval(painted, v => v.filter(i => i.style.background).map(i => i.src).join(' '))));
      const links = await page.$$eval('a[href]', as => as.map(a => a.href));
      checkLinks(pageUrl, links, queue, seen);
      if (i === 0 && opt('--quadrants'))
        report.quadrants = await quadrants(browser, page, opt('--quadrants').split(','));
      if (i === 0 && opt('--placeholders'))
        report.placeholders = await placeholders(browser, opt('--placeholders'));
      report.pages++;
      report.images += imgs.length;
      report.links += links.length;
      await page.close();
    }
    console.log(JSON.stringify(report));
  } finally {
    await browser.close();
  }
  if (problems.length > 0) {
    for (const p of problems)
      console.error(p);
    process.exit(1);
  }
})().catch(e => {
  console.error(e);
  process.exit(1);
});
