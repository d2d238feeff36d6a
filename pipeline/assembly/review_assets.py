"""The review page's style and script, inlined into the page (no CDN, no server)."""

CSS = """
:root { color-scheme: dark; --bg:#15171c; --card:#20232b; --fg:#e8e8ea; --dim:#9aa0ab; --warn:#e0603a; --ok:#4caf7a; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 14px/1.4 system-ui, "Noto Sans CJK SC", sans-serif; }
header { padding: 12px 20px; border-bottom: 1px solid #333; }
h1 { margin: 0 0 4px; font-size: 20px; }
#totals span { margin-right: 18px; color: var(--dim); } #totals b { color: var(--fg); }
.badge { background: #c0392b; color: #fff; padding: 1px 6px; border-radius: 3px; font-size: 12px; }
#warnings { margin: 6px 0 0; padding-left: 18px; color: var(--warn); }
#player { padding: 12px 20px 0; } video { width: 100%; max-height: 56vh; background: #000; display: block; }
#markers { position: relative; height: 22px; background: #0d0e12; }
.marker { position: absolute; top: 0; height: 22px; border-left: 2px solid #f5c542; padding-left: 3px;
  font-size: 11px; color: var(--dim); cursor: pointer; white-space: nowrap; overflow: hidden; }
#cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(330px, 1fr)); gap: 12px; padding: 16px 20px; }
.card { background: var(--card); border-radius: 6px; padding: 10px; cursor: pointer; border: 2px solid transparent; }
.card:hover, .card.playing { border-color: #f5c542; }
.card h2 { margin: 0 0 6px; font-size: 15px; } .card h2 small { color: var(--dim); font-weight: normal; }
.frames { display: flex; gap: 4px; } .frames figure { margin: 0; flex: 1; } .frames img { width: 100%; display: block; }
.frames figcaption { font-size: 11px; color: var(--dim); }
.prompt { margin: 6px 0; white-space: pre-wrap; }
dl { display: grid; grid-template-columns: auto 1fr; gap: 1px 10px; margin: 0; font-size: 12px; }
dt { color: var(--dim); } dd { margin: 0; overflow-wrap: anywhere; }
.seam { margin-top: 6px; padding: 4px 6px; border-radius: 4px; font-size: 12px; background: #2a2e38; }
.seam.ok { border-left: 4px solid var(--ok); } .seam.warn { border-left: 4px solid var(--warn); background: #3a2420; }
"""

JS = r"""
const data = JSON.parse(document.getElementById('page-data').textContent);
const film = document.getElementById('film');
const el = (tag, cls, text) => { const e = document.createElement(tag); if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text; return e; };
const money = (v) => v === null || v === undefined ? '–' : v.toFixed(2) + ' CNY';
const seek = (t) => { film.currentTime = t + 0.001; };

const totals = document.getElementById('totals');
[['shots', data.shots.length], ['duration', (data.duration ?? 0).toFixed(2) + ' s'], ['cost planned', money(data.planned_cost)],
 [data.preview ? 'on Seedance' : 'cost actual', money(data.actual_cost)]].forEach(([k, v]) => {
  const s = el('span'); s.append(k + ' '); s.append(el('b', '', String(v))); totals.append(s); });
if (data.preview) totals.append(el('span', 'badge', 'PREVIEW: nothing was spent'));
const warnings = document.getElementById('warnings');
data.warnings.forEach((w) => warnings.append(el('li', '', w)));

const markers = document.getElementById('markers');
const cards = document.getElementById('cards');
data.shots.forEach((shot) => {
  const m = el('div', 'marker', `${shot.n} ${shot.id}`);
  m.style.left = (100 * shot.start / (data.duration || 1)) + '%';
  m.onclick = () => seek(shot.start); markers.append(m);

  const card = el('article', 'card'); card.dataset.shot = shot.id; card.dataset.start = shot.start;
  const h = el('h2', '', `#${shot.n} ${shot.id} `); h.append(el('small', '', `${shot.start.toFixed(2)} s`)); card.append(h);
  const frames = el('div', 'frames');
  [['first', shot.first], ['last', shot.last]].forEach(([name, src]) => {
    const f = el('figure'); const img = el('img'); img.src = src; img.alt = `${shot.id} ${name} frame`;
    f.append(img, el('figcaption', '', name + ' frame')); frames.append(f); });
  card.append(frames, el('p', 'prompt', shot.prompt));
  const dl = el('dl');
  [['model', shot.model], ['size', shot.size], ['duration', shot.seconds.toFixed(2) + ' s'], ['seed', shot.seed ?? '–'],
   ['take', shot.take], ['task', shot.task_id ?? '–'],
   ['tokens', `${shot.tokens.planned.toLocaleString()} planned · ${(shot.tokens.actual ?? 0).toLocaleString()} actual`],
   ['cost', `${money(shot.cost.planned)} planned · ${money(shot.cost.actual)} actual`],
   ['key', (shot.key ?? '').slice(0, 16)]].forEach(([k, v]) => { dl.append(el('dt', '', k), el('dd', '', String(v))); });
  card.append(dl);
  if (shot.seam) {
    const s = shot.seam, scored = s.ssim !== null && s.ssim !== undefined;
    const bad = s.chained && scored && (s.ssim < 0.6 || s.psnr < 20);
    const text = `${s.chained ? 'chained' : 'cut'} from ${s.from}` +
      (scored ? ` · SSIM ${s.ssim.toFixed(3)} · PSNR ${s.psnr.toFixed(1)} dB` : '');
    card.append(el('div', 'seam ' + (s.chained ? (bad ? 'warn' : 'ok') : ''), text));
  }
  card.onclick = () => seek(shot.start);
  cards.append(card);
});
film.addEventListener('timeupdate', () => {
  let current = null;
  data.shots.forEach((s) => { if (film.currentTime >= s.start) current = s.id; });
  document.querySelectorAll('.card').forEach((c) => c.classList.toggle('playing', c.dataset.shot === current));
});
"""
